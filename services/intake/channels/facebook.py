"""Facebook Page webhooks, field `feed`: citizens' comments and visitor posts on our Pages.

Edits, removals, reactions, likes, shares and the Page's own replies open no case.
"""

from __future__ import annotations

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
            item, author = scalar(value.get("item")), obj(value.get("from"))
            new_comment = item == "comment" and value.get("verb") == "add"
            new_post = item in POSTS and value.get("verb") == "add"
            if change.get("field") != "feed" or not (new_comment or new_post) \
                    or str(author.get("id")) in own_accounts | {page}:
                inbound.ignored += 1
                continue
            key = value.get("comment_id") if new_comment else value.get("post_id")
            inbound.add(channel=Channel.FACEBOOK, channel_message_id=key,
                        text=value.get("message") or "[foto tanpa keterangan]",
                        reporter={"name": author.get("name"), "handle": author.get("id")},
                        attachments=_attachments(value),
                        occurred_at=unix_time(value.get("created_time")), received_by=page,
                        in_reply_to=value.get("parent_id") if new_comment else None)
    return inbound


def _attachments(value: dict[str, Any]) -> list[dict[str, Any]]:
    urls = [("image", value.get("photo")), ("video", value.get("video")),
            ("image", value.get("link") if value.get("item") == "photo" else None)]
    urls += [("image", u) for u in value.get("photos") or [] if isinstance(u, str)]
    return [{"kind": kind, "url": url} for kind, url in urls if isinstance(url, str)][:20]
