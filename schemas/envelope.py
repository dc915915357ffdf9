"""The common envelope every event on every topic carries."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

# Namespace for deterministic event ids: the same cause always yields the same id,
# so a redelivered input produces an output that consumers recognise as a duplicate.
EVENT_NAMESPACE = uuid.UUID("5b0f6f0e-3c1d-4c55-9b8e-7a7c2a1d0e11")


_NAMESPACE = EVENT_NAMESPACE.bytes
_VERSION_5 = ~(0xC000 << 48 | 0xF000 << 64) & (1 << 128) - 1  # clears variant and version
_RFC_4122_V5 = 0x8000 << 48 | 5 << 76


def derived_id(*parts: object) -> uuid.UUID:
    """Return a stable UUID for the given cause (e.g. an input event id and a step name).

    uuid.uuid5(EVENT_NAMESPACE, "part:part"), computed directly: uuid5's own constructor
    path took more than half the time, and an SLA clock's or a delivery's events each derive
    two or three ids (a replay derives millions).
    """
    digest = hashlib.sha1(_NAMESPACE + ":".join(map(str, parts)).encode()).digest()
    return uuid.UUID(int=int.from_bytes(digest[:16]) & _VERSION_5 | _RFC_4122_V5)


def utcnow() -> datetime:
    """Aware UTC now; only entrypoints call it, decisions take `now` as an argument."""
    return datetime.now(UTC)


class Model(BaseModel):
    """Strict, immutable base: unknown fields are an error, never silently dropped."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Event(Model):
    """Envelope fields shared by all events; each subclass pins `type` to its own name."""

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    schema_version: int = 1
    occurred_at: AwareDatetime = Field(default_factory=utcnow)
    tenant: str = Field(default="ketapang", pattern=r"^[a-z0-9-]{1,32}$")
    complaint_id: str = Field(min_length=1, max_length=64)
    causation_id: uuid.UUID | None = None
    correlation_id: uuid.UUID | None = None

    @field_validator("occurred_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    def caused(self, step: str) -> dict[str, Any]:
        """Envelope fields for an event this one causes: derived id, same complaint and trace."""
        return {
            "event_id": derived_id(self.event_id, step),
            "tenant": self.tenant,
            "complaint_id": self.complaint_id,
            "causation_id": self.event_id,
            "correlation_id": self.correlation_id or self.event_id,
        }
