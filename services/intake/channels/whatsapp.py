"""WhatsApp Business Cloud API webhook: citizens' messages become submissions.

Delivery statuses, reactions, button answers and non-message fields are not complaints. A
media message's caption is its text and its media id an attachment, downloaded after the case
opened (services/intake/enrichment/media.py); a location share carries the point. An `edit`
changes the case of its original message (or opens it, if that was never seen); a `revoke`
withdraws it (or waits for it, if it comes first: services/intake/cases/pending.py).
"""

from __future__ import annotations

from typing import Any

from schemas.enums import Channel
from services.intake.channels.inbound import Inbound, items, obj, scalar, text_of, unix_time

MEDIA = {"image": "image", "video": "video", "sticker": "image", "audio": "audio",
         "document": "document"}
# Shown as the case text when the citizen sent only media; agencies see what arrived.
NO_CAPTION = {"image": "[foto tanpa keterangan]", "video": "[video tanpa keterangan]",
              "audio": "[pesan suara]", "document": "[dokumen tanpa keterangan]"}


def parse(payload: Any) -> Inbound:
    """Every citizen message in every entry and change of one webhook POST."""
    inbound = Inbound()
    if obj(payload).get("object") != "whatsapp_business_account":
        inbound.ignored += 1
        return inbound
    for entry in items(payload.get("entry")):
        for change in items(entry.get("changes")):
            value = obj(change.get("value"))
            if change.get("field") != "messages":
                inbound.ignored += 1
                continue
            inbound.ignored += len(items(value.get("statuses")))
            contacts = {scalar(c.get("wa_id")): c for c in items(value.get("contacts"))}
            receiver = scalar(obj(value.get("metadata")).get("phone_number_id"))
            for message in items(value.get("messages")):
                with inbound.item(message.get("id")):
                    contact = contacts.get(scalar(message.get("from"))) or {}
                    _message(inbound, message, contact, receiver)
    return inbound


def _amendment(inbound: Inbound, message: dict[str, Any], kind: str, contact: dict[str, Any],
               receiver: str | None) -> None:
    body = obj(message.get(kind))
    original = scalar(body.get("original_message_id"))
    when = unix_time(message.get("timestamp"))
    if kind == "revoke":
        inbound.amend("withdraw", Channel.WHATSAPP, original, message.get("id"),
                      reason="revoke", occurred_at=when)
        return
    # The edited message has the shape of a message; read it as one, keyed by the original.
    edited = Inbound()
    _message(edited, {**obj(body.get("message")), "id": original, "from": message.get("from"),
                      "timestamp": message.get("timestamp")}, contact, receiver)
    if not edited.submissions:
        inbound.ignored += 1
        return
    opens = edited.submissions[0]
    inbound.amend("edit", Channel.WHATSAPP, original, message.get("id"), text=opens.text,
                  occurred_at=when, opens=opens)


def _message(inbound: Inbound, message: dict[str, Any], contact: dict[str, Any],
             receiver: str | None) -> None:
    kind = scalar(message.get("type"))
    if kind in ("edit", "revoke"):
        _amendment(inbound, message, kind, contact, receiver)
        return
    body = obj(message.get(kind)) if kind else {}
    text: str | None
    location = None
    attachments: list[dict[str, Any]] = []
    if kind == "text":
        text = text_of(body.get("body"))
    elif kind is not None and kind in MEDIA:
        caption = text_of(body.get("caption"))
        text = caption or NO_CAPTION.get(MEDIA[kind], "[media]")
        attachments.append({"kind": MEDIA[kind], "media_id": body.get("id"),
                            "url": body.get("url"), "caption": caption or body.get("filename")})
    elif kind == "location":
        place = ", ".join(p for p in (text_of(body.get("name")), text_of(body.get("address")))
                          if p)
        text = f"[lokasi] {place}" if place else "[lokasi dibagikan]"
        location = {"lat": body.get("latitude"), "lon": body.get("longitude"),
                    "address": place or None}
    else:
        inbound.ignored += 1  # reaction, interactive, button, unsupported, system
        return
    if text is None:
        inbound.ignored += 1
        return
    sender = message.get("from") or contact.get("wa_id")
    inbound.add(
        channel=Channel.WHATSAPP, channel_message_id=message.get("id"), text=text,
        reporter={"name": obj(contact.get("profile")).get("name"), "phone": sender,
                  "handle": contact.get("user_id")},
        location=location, attachments=attachments, occurred_at=unix_time(message.get("timestamp")),
        received_by=receiver, in_reply_to=obj(message.get("context")).get("id"))
