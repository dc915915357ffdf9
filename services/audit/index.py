"""Which lifecycle records the audit index keeps, and the index row each one becomes (pure)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from schemas.codec import DecodeError, decode
from schemas.envelope import derived_id
from schemas.intake import ComplaintReceived
from schemas.topics import (
    ACKNOWLEDGED,
    ASSIGNED,
    AUDITED,
    COMMANDS,
    EXTERNAL,
    LINKED,
    NOTIFY_OUTCOMES,
    NOTIFY_REQUESTS,
    RECEIVED,
    REDIRECTED,
    RESPONSES,
    SLA,
    SUPPRESSED,
    TRIAGE,
    TopicSpec,
)

# Events carry no producer field, but every lifecycle topic has exactly one writer, so the
# topic names the producing service.
PRODUCER: dict[str, str] = {
    RECEIVED.name: "intake", ACKNOWLEDGED.name: "intake", COMMANDS.name: "intake",
    RESPONSES.name: "intake", NOTIFY_REQUESTS.name: "intake",
    ASSIGNED.name: "router", TRIAGE.name: "router", SUPPRESSED.name: "router",
    EXTERNAL.name: "router", REDIRECTED.name: "router", LINKED.name: "router",
    SLA.name: "sla", NOTIFY_OUTCOMES.name: "notifier",
}

# Raw topics (channel submissions) carry no case yet; their case starts on complaints.received.
INDEXED: tuple[TopicSpec, ...] = AUDITED
# Their dead letters too (keyed by the complaint id): a refused record is part of a case's
# story. The raw topic's dead letters are keyed by channel data, not a case, and stay out.
DEAD_LETTERS: tuple[str, ...] = tuple(s.dlq for s in INDEXED)
DEAD_LETTER = "DeadLetter"  # the index's type for a dead letter (no event type of its own)
TOPIC_NAMES: tuple[str, ...] = tuple(s.name for s in INDEXED) + DEAD_LETTERS  # all it reads


@dataclass(frozen=True)
class IndexRow:
    topic: str  # physical name
    partition: int
    offset: int
    complaint_id: str
    type: str
    occurred_at: datetime
    service: str
    event_id: uuid.UUID
    causation_id: uuid.UUID | None
    ticket: str | None  # set for ComplaintReceived: the ticket names the case


class Skipped(ValueError):
    """A record the index cannot place; its own consumer dead-letters it, the audit counts it."""


def index_row(name: str, physical: str, partition: int, offset: int,
              value: bytes | None) -> IndexRow:
    """The index row of one record of catalogue topic `name`; Skipped when it is no event."""
    spec = next((s for s in INDEXED if s.name == name), None)
    if spec is None:
        raise Skipped(f"{name} is not an indexed topic")
    try:
        event = decode(value, spec.carries)
    except DecodeError as exc:
        raise Skipped(str(exc)) from None
    return IndexRow(physical, partition, offset, event.complaint_id, event.type,
                    event.occurred_at, PRODUCER.get(name, "unknown"), event.event_id,
                    event.causation_id,
                    event.ticket if isinstance(event, ComplaintReceived) else None)


def dead_letter_row(name: str, physical: str, partition: int, offset: int, key: bytes | None,
                    timestamp_ms: int, headers: Sequence[tuple[str, bytes]]) -> IndexRow:
    """The index row of a dead letter: its case is its key, its time when it was refused."""
    if name not in DEAD_LETTERS:
        raise Skipped(f"{name} is not an indexed dead-letter topic")
    if not key:
        raise Skipped("dead letter without a key names no case")
    service = next((v.decode(errors="replace") for k, v in headers if k == "dlq.service"),
                   "unknown")
    return IndexRow(physical, partition, offset, key.decode(errors="replace")[:64], DEAD_LETTER,
                    datetime.fromtimestamp(timestamp_ms / 1000, UTC), service,
                    derived_id("dead-letter", physical, partition, offset), None, None)
