"""Loose JSON Schemas of the vendor payloads, so the OpenAPI spec tells adapter authors (and
the fuzzer) what each channel endpoint reads; the parsers still accept anything and skip the
rest."""

from __future__ import annotations

from typing import Any

STR: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}
NUM: dict[str, Any] = {"type": "number"}


def obj(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


def arr(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _meta(name: str, value: dict[str, Any]) -> dict[str, Any]:
    change = obj(field=STR, value=value)
    body = obj(object={"type": "string", "enum": [name]},
               entry=arr(obj(id=STR, time=INT, changes=arr(change))))
    return {**body, "required": ["object", "entry"]}


_MEDIA = obj(id=STR, caption=STR, mime_type=STR, url=STR, filename=STR)
WHATSAPP = _meta("whatsapp_business_account", obj(
    metadata=obj(phone_number_id=STR, display_phone_number=STR),
    contacts=arr(obj(wa_id=STR, user_id=STR, profile=obj(name=STR))),
    messages=arr(obj(**{"from": STR}, id=STR, timestamp=STR, type={"type": "string", "enum": [
        "text", "image", "video", "audio", "document", "sticker", "location", "reaction"]},
        text=obj(body=STR), image=_MEDIA, video=_MEDIA, audio=_MEDIA, document=_MEDIA,
        sticker=_MEDIA, location=obj(latitude=NUM, longitude=NUM, name=STR, address=STR),
        reaction=obj(message_id=STR, emoji=STR), context=obj(id=STR))),
    statuses=arr(obj(id=STR, status=STR))))
INSTAGRAM = _meta("instagram", obj(id=STR, text=STR, parent_id=STR,
                                   **{"from": obj(id=STR, username=STR)},
                                   media=obj(id=STR), media_id=STR, comment_id=STR))
FACEBOOK = _meta("page", obj(item=STR, verb=STR, message=STR, post_id=STR, comment_id=STR,
                             parent_id=STR, created_time=INT, photo=STR, video=STR,
                             **{"from": obj(id=STR, name=STR)}))
_POST = obj(id=STR, text=STR, author_id=STR, created_at=STR, edit_history_tweet_ids=arr(STR),
            note_tweet=obj(text=STR), referenced_tweets=arr(obj(type=STR, id=STR)),
            geo=obj(place_id=STR, coordinates=obj(type=STR, coordinates=arr(NUM))),
            attachments=obj(media_keys=arr(STR)),
            entities=obj(mentions=arr(obj(id=STR, username=STR))))
X = obj(data={"anyOf": [_POST, arr(_POST)]},
        includes=obj(users=arr(obj(id=STR, name=STR, username=STR)),
                     media=arr(obj(media_key=STR, type=STR, url=STR))))


def json_body(schema: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` documenting a required JSON request body."""
    return {"requestBody": {"required": True,
                            "content": {"application/json": {"schema": schema}}}}
