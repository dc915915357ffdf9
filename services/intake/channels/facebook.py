"""Facebook Page webhooks, field `feed`: citizens' comments and visitor posts on our Pages.

An `edited` comment or post changes its case, a `remove` withdraws it; reactions, likes,
shares and the Page's own replies open no case.
"""

from __future__ import annotations

import hashlib
from typing import Any

from schemas.enums import Channel
from services.intake.channels.inbound import Inbound, items, obj, scalar, unix_time

POSTS = {"status", "post", "photo", "video"}


def parse(payload: Any, own_accounts: set[str]) -> Inbound:
    """Every new comment and visitor post of one webhook POST."""
    inbound = Inbound()
    if obj(payload).get("object") != "page":
        inbound.ignored += 1
        return inbound
    for entry in items(payload.get("entry")):
        page = str(entry.get("id", ""))
        for change in items(entry.get("changes")):
            value = obj(change.get("value"))
            with inbound.item(value.get("comment_id") or value.get("post_id")):
                _change(inbound, change, value, page, own_accounts)
    return inbound


def _change(inbound: Inbound, change: dict[str, Any], value: dict[str, Any], page: str,
            own_accounts: set[str]) -> None:
    item, author, verb = scalar(value.get("item")), obj(value.get("from")), value.get("verb")
    comment, post = item == "comment", item in POSTS
    ours = author.get("id") is not None and str(author.get("id")) in own_accounts | {page}
    if change.get("field") != "feed" or not (comment or post) or ours:
        inbound.ignored += 1
        return
    key = value.get("comment_id") if comment else value.get("post_id")
    when = unix_time(value.get("created_time"))
    if verb == "remove":
        inbound.amend("withdraw", Channel.FACEBOOK, key, f"remove:{key}", reason="remove",
                      occurred_at=when)
        return
    if verb == "edited":
        message = value.get("message")
        version = hashlib.sha256(str(message).encode()).hexdigest()[:32]
        opening = Inbound()
        _add(opening, value, key, author, page, comment)
        inbound.amend("edit", Channel.FACEBOOK, key, f"edited:{version}", text=message,
                      occurred_at=when, opens=opening.submissions[0]
                      if opening.submissions else None)
        return
    if verb != "add":
        inbound.ignored += 1  # hide, unhide, block...
        return
    _add(inbound, value, key, author, page, comment)


def _add(inbound: Inbound, value: dict[str, Any], key: Any, author: dict[str, Any], page: str,
         comment: bool) -> None:
    inbound.add(channel=Channel.FACEBOOK, channel_message_id=key,
                text=value.get("message") or "[foto tanpa keterangan]",
                reporter={"name": author.get("name"), "handle": author.get("id")},
                attachments=_attachments(value),
                occurred_at=unix_time(value.get("created_time")), received_by=page,
                in_reply_to=value.get("parent_id") if comment else None)


def _attachments(value: dict[str, Any]) -> list[dict[str, Any]]:
    urls = [("image", value.get("photo")), ("video", value.get("video")),
            ("image", value.get("link") if value.get("item") == "photo" else None)]
    photos = value.get("photos")
    urls += [("image", u) for u in photos if isinstance(u, str)] if isinstance(photos, list) \
        else []
    return [{"kind": kind, "url": url} for kind, url in urls if isinstance(url, str)][:20]
