"""Instagram Graph API webhooks: comments and mentions on our professional accounts.

A mention notification carries only ids; its text is read back from the Graph API. A failed
read keeps the mention as a case without its text and defers the read to the enrichment job
(Meta does not keep mentions, so refusing the delivery could lose it). Comment edits and
deletions are followed when the webhook says so (a `verb` of edited/remove, or `deleted`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from schemas.enums import Channel
from services.intake.channels.inbound import (
    Deferred,
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
MENTION_LOOKUP = "instagram_mention"
NO_TEXT = "[mention tanpa teks]"


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
            with inbound.item(value.get("id") or value.get("comment_id")):
                if field in COMMENT_FIELDS:
                    _comment(inbound, account, value, own_accounts, sent)
                elif field == "mentions":
                    await _mention(inbound, account, value, lookup)
                else:
                    inbound.ignored += 1
    return inbound


def _comment(inbound: Inbound, account: str, value: dict[str, Any], own_accounts: set[str],
             sent: Any) -> None:
    author = obj(value.get("from"))
    if author.get("id") is not None and str(author.get("id")) in own_accounts | {account}:
        inbound.ignored += 1  # our own reply under the post
        return
    key, verb = value.get("id"), value.get("verb")
    if verb in ("remove", "delete", "deleted") or value.get("deleted") is True:
        inbound.amend("withdraw", Channel.INSTAGRAM, key, f"delete:{key}", reason="delete",
                      occurred_at=sent)
        return
    username = author.get("username")
    fields = dict(channel=Channel.INSTAGRAM, channel_message_id=key, text=value.get("text"),
                  reporter={"name": username, "handle": username and f"@{username}"},
                  occurred_at=sent, received_by=account, in_reply_to=value.get("parent_id"))
    if verb in ("edit", "edited"):
        opening = Inbound()
        opening.add(**fields)
        version = hashlib.sha256(str(value.get("text")).encode()).hexdigest()[:32]
        inbound.amend("edit", Channel.INSTAGRAM, key, f"edited:{version}",
                      text=value.get("text"), occurred_at=sent,
                      opens=opening.submissions[0] if opening.submissions else None)
        return
    inbound.add(**fields)


async def _mention(inbound: Inbound, account: str, value: dict[str, Any],
                   lookup: MentionLookup) -> None:
    comment_id, media_id = scalar(value.get("comment_id")), scalar(value.get("media_id"))
    if media_id is None and comment_id is None:
        inbound.ignored += 1
        return
    key = comment_id or media_id
    try:
        found = await lookup(account, comment_id, media_id or "")
    except LookupFailed as exc:
        # Keep the mention now, read its text later: Meta would not deliver it again forever.
        inbound.add(channel=Channel.INSTAGRAM, channel_message_id=key, text=NO_TEXT,
                    received_by=account)
        inbound.deferred[str(key)] = Deferred(MENTION_LOOKUP, {
            "account": account, "comment_id": comment_id, "media_id": media_id,
            "error": str(exc)[:500]})
        return
    content = mention_content(found)
    username = content["username"]
    inbound.add(channel=Channel.INSTAGRAM, channel_message_id=key,
                text=content["text"] or NO_TEXT,
                reporter={"name": username, "handle": username and f"@{username}"},
                occurred_at=content["timestamp"], received_by=account,
                attachments=content["attachments"])


def mention_content(found: dict[str, Any]) -> dict[str, Any]:
    """Text, author, time and link of a mentioned comment or caption read from the Graph API."""
    link = found.get("permalink") or obj(found.get("media")).get("permalink")
    return {"text": text_of(found.get("text")) or text_of(found.get("caption")),
            "username": found.get("username"),  # present for caption mentions only
            "timestamp": iso_time(found.get("timestamp")),
            "attachments": [{"kind": "link", "url": link}] if isinstance(link, str) else []}


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
