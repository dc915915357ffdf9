"""X API v2 posts: a filtered-stream message or a page of the mentions timeline.

The first id of a post's edit history is its key, so a post and its edits are one case: a
post whose history has more than one id is an edit of that case (or opens it with the newest
text when the first version was never seen). Retweets, control messages and our own
accounts' posts open no case. A post with only a place is located at the place's centre.
"""

from __future__ import annotations

from typing import Any

from schemas.enums import Channel
from services.intake.channels.inbound import Inbound, iso_time, items, obj, scalar, text_of

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
    places = {scalar(p.get("id")): p for p in items(includes.get("places"))}
    for post in posts:
        with inbound.item(post.get("id")):
            _post(inbound, post, own_accounts, users, media, places)
    return inbound


def _post(inbound: Inbound, post: dict[str, Any], own_accounts: set[str],
          users: dict[str | None, dict[str, Any]], media: dict[str | None, dict[str, Any]],
          places: dict[str | None, dict[str, Any]]) -> None:
    references = items(post.get("referenced_tweets"))
    retweet = any(r.get("type") == "retweeted" for r in references)
    author_id = scalar(post.get("author_id"))
    if retweet or str(post.get("text", "")).startswith("RT @") or author_id in own_accounts:
        inbound.ignored += 1
        return
    history = [scalar(h) for h in post.get("edit_history_tweet_ids") or []
               if scalar(h)] if isinstance(post.get("edit_history_tweet_ids"), list) else []
    key = history[0] if history else scalar(post.get("id"))
    author = obj(users.get(author_id))
    username = author.get("username")
    mentions = items(obj(post.get("entities")).get("mentions"))
    ours = next((scalar(m.get("id")) for m in mentions if scalar(m.get("id")) in own_accounts),
                None)
    text = text_of(obj(post.get("note_tweet")).get("text")) or post.get("text")
    fields: dict[str, Any] = dict(
        channel=Channel.X, channel_message_id=key, text=text,
        reporter={"name": author.get("name"),
                  "handle": f"@{username}" if username else author_id},
        location=_point(post, places), attachments=_attachments(post, media),
        occurred_at=iso_time(post.get("created_at")), received_by=ours,
        in_reply_to=next((r.get("id") for r in references if r.get("type") == "replied_to"),
                         None))
    current = scalar(post.get("id"))
    if len(history) > 1 and current and current != key:
        # An edit: the case of the first version gets the new text; if that version was
        # never seen (we started listening later), the newest text opens the case.
        opening = Inbound()
        opening.add(**fields)
        inbound.rejected += opening.rejected
        if opening.submissions:
            inbound.amend("edit", Channel.X, key, current, text=text,
                          occurred_at=iso_time(post.get("created_at")),
                          opens=opening.submissions[0])
        return
    inbound.add(**fields)


def _point(post: dict[str, Any], places: dict[str | None, dict[str, Any]]
           ) -> dict[str, Any] | None:
    """GeoJSON order is [longitude, latitude]; a place alone gives its bounding box's centre."""
    geo = obj(post.get("geo"))
    coordinates = obj(geo.get("coordinates")).get("coordinates")
    place = obj(places.get(scalar(geo.get("place_id"))))
    name = text_of(place.get("full_name")) or text_of(place.get("name"))
    if isinstance(coordinates, list) and len(coordinates) == 2:
        return {"lon": coordinates[0], "lat": coordinates[1], "address": name}
    box = obj(place.get("geo")).get("bbox")  # [west, south, east, north]
    if isinstance(box, list) and len(box) == 4 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in box):
        return {"lon": (box[0] + box[2]) / 2, "lat": (box[1] + box[3]) / 2, "address": name}
    return None


def _attachments(post: dict[str, Any], media: dict[str, Any]) -> list[dict[str, Any]]:
    keys = obj(post.get("attachments")).get("media_keys")
    # A malformed media_keys (a number, an object) once made this a 500 (issue 16).
    found = [obj(media.get(k)) for k in keys if isinstance(k, str)] \
        if isinstance(keys, list) else []
    return [{"kind": MEDIA_KINDS.get(scalar(m.get("type")) or "", "image"),
             "media_id": m.get("media_key"),
             "url": m.get("url") or m.get("preview_image_url")} for m in found if m][:20]
