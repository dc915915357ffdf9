"""Plain-JSON wire format: any Kafka client can read what we write."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Union

import orjson
from pydantic import Field, TypeAdapter, ValidationError

from schemas.envelope import Event
from schemas.registry import EVENT_TYPES


class DecodeError(ValueError):
    """A record that is not a valid event of an expected type; the reason names what is wrong."""


def encode(event: Event) -> bytes:
    """Serialize an event to UTF-8 JSON bytes (model_dump_json's bytes, without its decode to
    str and our encode back: half the cost, on every record every service sends)."""
    return event.__pydantic_serializer__.to_json(event)


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
        raise DecodeError(f"{name}: {_first_error(exc)}") from None


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    return f"field {'.'.join(str(p) for p in first['loc']) or '(root)'}: {first['msg']}"


class Decoder:
    """decode() for one topic's event types, validated straight from the bytes.

    pydantic parses the JSON itself and picks the model by its `type` (a discriminated
    union), instead of orjson building a dict for pydantic to walk again: half the cost,
    for readers of whole topics (a replay). It accepts and refuses what decode() does;
    its reasons are pydantic's own.
    """

    def __init__(self, accept: Iterable[type[Event]]) -> None:
        kinds = tuple(dict.fromkeys(accept))
        if not kinds:
            raise ValueError("a decoder needs at least one event type")
        union: Any = kinds[0] if len(kinds) == 1 else Annotated[
            Union[kinds], Field(discriminator="type")]  # noqa: UP007 (a runtime tuple)
        self._adapter: TypeAdapter[Event] = TypeAdapter(union)

    def __call__(self, raw: bytes | str | None) -> Event:
        if raw is None:
            raise DecodeError("empty record value (tombstone)")
        try:
            return self._adapter.validate_json(raw)
        except ValidationError as exc:
            raise DecodeError(_first_error(exc)) from None
