"""Instagram Graph API webhooks: comments and mentions on our professional accounts.

A mention notification carries only ids; its text is read back from the Graph API, and a
failed read fails the delivery so that Meta retries it rather than losing the complaint.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from schemas.enums import Channel
from services.intake.channels.inbound import (
    Inbound,
    iso_time,
    items,
    obj,
    scalar,
    text_of,
    unix_time,
)

COMMENT_FIELDS = {"comments", "live_comments"}
# (our account id, comment id or None, media id) -> the mentioned comment or media object.
MentionLookup = Callable[[str, str | None, str], Awaitable[dict[str, Any]]]


class LookupFailed(Exception):
    """The Graph API could not say what a mention contains; the delivery must be retried."""


def changes(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """An entry's changes; Meta's examples sometimes put field/value on the entry itself."""
    found = items(entry.get("changes"))
    return found or ([entry] if "field" in entry else [])


async def parse(payload: Any, own_accounts: set[str], lookup: MentionLookup) -> Inbound:
    """Every comment and mention of one webhook POST."""
    inbound = Inbound()
    if obj(payload).get("object") != "instagram":
        inbound.ignored += 1
        return inbound
    for entry in items(payload.get("entry")):
        account = str(entry.get("id", ""))
        sent = unix_time(entry.get("time"))
        for change in changes(entry):
            field, value = scalar(change.get("field")), obj(change.get("value"))
            if field in COMMENT_FIELDS:
                author = obj(value.get("from"))
                if str(author.get("id")) in own_accounts | {account}:
                    inbound.ignored += 1  # our own reply under the post
                    continue
                username = author.get("username")
                inbound.add(channel=Channel.INSTAGRAM, channel_message_id=value.get("id"),
                            text=value.get("text"),
                            reporter={"name": username, "handle": username and f"@{username}"},
                            occurred_at=sent, received_by=account,
                            in_reply_to=value.get("parent_id"))
            elif field == "mentions":
                await _mention(inbound, account, value, lookup)
            else:
                inbound.ignored += 1
    return inbound


async def _mention(inbound: Inbound, account: str, value: dict[str, Any],
                   lookup: MentionLookup) -> None:
    comment_id, media_id = scalar(value.get("comment_id")), scalar(value.get("media_id"))
    if media_id is None and comment_id is None:
        inbound.ignored += 1
        return
    found = await lookup(account, comment_id, media_id or "")
    text = text_of(found.get("text")) or text_of(found.get("caption"))
    username = found.get("username")  # present for caption mentions only
    link = found.get("permalink") or obj(found.get("media")).get("permalink")
    inbound.add(channel=Channel.INSTAGRAM, channel_message_id=comment_id or media_id,
                text=text or "[mention tanpa teks]",
                reporter={"name": username, "handle": username and f"@{username}"},
                occurred_at=iso_time(found.get("timestamp")), received_by=account,
                attachments=[{"kind": "link", "url": link}] if link else [])


def graph_lookup(http: httpx.AsyncClient, graph_url: str, token: str | None) -> MentionLookup:
    """Read a mentioned comment or caption back from the Graph API (documented field syntax)."""

    async def lookup(account: str, comment_id: str | None, media_id: str) -> dict[str, Any]:
        if comment_id:
            field = (f"mentioned_comment.comment_id({comment_id})"
                     "{id,text,timestamp,like_count,media{id,permalink}}")
            key = "mentioned_comment"
        else:
            field = (f"mentioned_media.media_id({media_id})"
                     "{caption,media_type,media_url,permalink,timestamp,username}")
            key = "mentioned_media"
        params = {"fields": field} | ({"access_token": token} if token else {})
        try:
            response = await http.get(f"{graph_url.rstrip('/')}/{account}", params=params)
            response.raise_for_status()
            return obj(obj(response.json()).get(key))
        except (httpx.HTTPError, ValueError) as exc:
            raise LookupFailed(f"mention lookup for {comment_id or media_id}: {exc}") from exc

    return lookup
