"""X API v2 posts: a filtered-stream message or a page of the mentions timeline.

The first id of a post's edit history is its key, so a post and its edits are one case.
Retweets, control messages and our own accounts' posts open no case.
"""

from __future__ import annotations

from typing import Any

from schemas.enums import Channel
from services.intake.channels.inbound import Inbound, iso_time, items, obj, scalar

MEDIA_KINDS = {"photo": "image", "video": "video", "animated_gif": "video"}


def parse(payload: Any, own_accounts: set[str]) -> Inbound:
    """Every citizen post in one stream message ({data: post}) or timeline page ({data: [...]})."""
    inbound = Inbound()
    body = obj(payload)
    data = body.get("data")
    posts = items(data) if isinstance(data, list) else [obj(data)] if data else []
    if not posts:
        inbound.ignored += 1  # keep-alive, `errors` control message, empty page
        return inbound
    includes = obj(body.get("includes"))
    users = {scalar(u.get("id")): u for u in items(includes.get("users"))}
    media = {scalar(m.get("media_key")): m for m in items(includes.get("media"))}
    for post in posts:
        references = items(post.get("referenced_tweets"))
        retweet = any(r.get("type") == "retweeted" for r in references)
        author_id = scalar(post.get("author_id"))
        if retweet or str(post.get("text", "")).startswith("RT @") or author_id in own_accounts:
            inbound.ignored += 1
            continue
        history = post.get("edit_history_tweet_ids")
        key = history[0] if isinstance(history, list) and history else post.get("id")
        author = obj(users.get(author_id))
        username = author.get("username")
        mentions = items(obj(post.get("entities")).get("mentions"))
        ours = next((scalar(m.get("id")) for m in mentions if scalar(m.get("id")) in own_accounts),
                    None)
        inbound.add(
            channel=Channel.X, channel_message_id=key,
            text=obj(post.get("note_tweet")).get("text") or post.get("text"),
            reporter={"name": author.get("name"),
                      "handle": f"@{username}" if username else author_id},
            location=_point(post), attachments=_attachments(post, media),
            occurred_at=iso_time(post.get("created_at")), received_by=ours,
            in_reply_to=next((r.get("id") for r in references if r.get("type") == "replied_to"),
                             None))
    return inbound


def _point(post: dict[str, Any]) -> dict[str, float] | None:
    """GeoJSON order is [longitude, latitude]; a place without coordinates gives no point."""
    coordinates = obj(obj(post.get("geo")).get("coordinates")).get("coordinates")
    if isinstance(coordinates, list) and len(coordinates) == 2:
        return {"lon": coordinates[0], "lat": coordinates[1]}
    return None


def _attachments(post: dict[str, Any], media: dict[str, Any]) -> list[dict[str, Any]]:
    keys = obj(post.get("attachments")).get("media_keys") or []
    found = [obj(media.get(k)) for k in keys if isinstance(k, str)]
    return [{"kind": MEDIA_KINDS.get(scalar(m.get("type")) or "", "image"),
             "media_id": m.get("media_key"),
             "url": m.get("url") or m.get("preview_image_url")} for m in found if m][:20]
