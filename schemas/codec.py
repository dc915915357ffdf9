"""Plain-JSON wire format: any Kafka client can read what we write."""

from __future__ import annotations

from collections.abc import Iterable

import orjson
from pydantic import ValidationError

from schemas.envelope import Event
from schemas.registry import EVENT_TYPES


class DecodeError(ValueError):
    """A record that is not a valid event of an expected type; the reason names what is wrong."""


def encode(event: Event) -> bytes:
    """Serialize an event to UTF-8 JSON bytes."""
    return event.model_dump_json().encode()


def decode(raw: bytes | str | None, accept: Iterable[type[Event]] | None = None) -> Event:
    """Parse and validate one record; raise DecodeError with a specific reason."""
    if raw is None:
        raise DecodeError("empty record value (tombstone)")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise DecodeError(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise DecodeError("not a JSON object")
    name = data.get("type")
    cls = EVENT_TYPES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise DecodeError(f"unknown event type {name!r}")
    if accept is not None and cls not in tuple(accept):
        raise DecodeError(f"event type {name!r} does not belong on this topic")
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(root)"
        raise DecodeError(f"{name}: field {field}: {first['msg']}") from None
