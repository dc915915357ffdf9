"""A case's timeline from its records as read from the log: order, summaries, text and JSON."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from schemas.codec import DecodeError, decode
from schemas.envelope import derived_id
from services.audit.deadletters import DeadLetter
from services.audit.index import DEAD_LETTER
from services.audit.order import Placed, duplicates, ordered
from services.audit.store import Located
from services.audit.summary import mask_address, summarize

Position = tuple[str, int, int]
# Requests for citizens carry their address (7 days on the log, for the notifier): shown as a
# hint only, like every other place a timeline is read.
CONTACT_FIELDS = ("recipient",)
CONTACT_CONTEXT = ("handle", "recipient", "phone", "email")


def without_contact(record: dict[str, Any]) -> dict[str, Any]:
    """The record with citizens' addresses reduced to hints (agency codes stay)."""
    if record.get("type") != "NotificationRequested":
        return record
    shown = dict(record)
    for name in CONTACT_FIELDS:
        if isinstance(shown.get(name), str):
            shown[name] = mask_address(shown[name])
    context = shown.get("context")
    if isinstance(context, dict):
        shown["context"] = {k: mask_address(v) if k in CONTACT_CONTEXT and isinstance(v, str)
                            else v for k, v in context.items()}
    return shown


@dataclass(frozen=True)
class Entry(Placed):
    type: str = ""
    service: str = ""
    summary: str = ""
    record: dict[str, Any] = field(default_factory=dict)  # the record's value as in the log


@dataclass
class Timeline:
    complaint_id: str
    ticket: str | None
    entries: list[Entry]
    duplicates: set[Position]
    missing: list[Position]  # indexed, but the log no longer has it (retention)

    def cause_numbers(self) -> dict[uuid.UUID, int]:
        """Each event's line number (from 1), to point from an effect to its cause."""
        numbers: dict[uuid.UUID, int] = {}
        for n, entry in enumerate(self.entries, start=1):
            numbers.setdefault(entry.event_id, n)
        return numbers


def letter_entry(pos: Position, loc: Located, letter: DeadLetter) -> Entry:
    """A dead letter of the case: where and why it was refused, never its content."""
    summary = (f"dead-lettered on {letter.source_topic} by {loc.service}: "
               f"{letter.reason()[:200]}")
    return Entry(derived_id("dead-letter", *pos), None,
                 datetime.fromtimestamp(letter.timestamp_ms / 1000, UTC), *pos, DEAD_LETTER,
                 loc.service, summary,
                 {"dead_letter": {"id": letter.id, "source_topic": letter.source_topic,
                                  "source": letter.source_position(), "reason": letter.reason(),
                                  "size": len(letter.value or b""),
                                  "digest": letter.fingerprint()}})


def assemble(complaint_id: str, located: Iterable[Located], values: dict[Position, bytes | None],
             letters: Mapping[Position, DeadLetter] | None = None) -> Timeline:
    """Order the records found in the log; the index only said where to look."""
    entries: list[Entry] = []
    missing: list[Position] = []
    ticket = None
    for loc in located:
        pos = (loc.topic, loc.partition, loc.offset)
        if letters and pos in letters:
            entries.append(letter_entry(pos, loc, letters[pos]))
            continue
        if pos not in values:
            missing.append(pos)
            continue
        raw = values[pos]
        try:
            event = decode(raw)
        except DecodeError:  # the index holds only records that decoded; the log changed
            missing.append(pos)
            continue
        ticket = ticket or getattr(event, "ticket", None)
        entries.append(Entry(event.event_id, event.causation_id, event.occurred_at, loc.topic,
                             loc.partition, loc.offset, event.type, loc.service,
                             summarize(event), without_contact(orjson.loads(raw or b"{}"))))
    entries = ordered(entries)
    return Timeline(complaint_id, ticket, entries, duplicates(entries), missing)


def to_json(timeline: Timeline) -> dict[str, Any]:
    """The records in timeline order, each with where it sits in the log and its line."""
    numbers = timeline.cause_numbers()
    return {
        "complaint_id": timeline.complaint_id, "ticket": timeline.ticket,
        "events": [{
            "n": n, "occurred_at": e.occurred_at.isoformat(), "type": e.type,
            "service": e.service, "topic": e.topic, "partition": e.partition,
            "offset": e.offset, "event_id": str(e.event_id),
            "causation_id": str(e.causation_id) if e.causation_id else None,
            "cause_n": numbers.get(e.causation_id) if e.causation_id else None,
            "duplicate": (e.topic, e.partition, e.offset) in timeline.duplicates,
            "summary": e.summary, "record": e.record,
        } for n, e in enumerate(timeline.entries, start=1)],
        "missing": [{"topic": t, "partition": p, "offset": o} for t, p, o in timeline.missing],
    }


def to_lines(timeline: Timeline) -> list[str]:
    """A readable table: line, time, type, service, cause, summary."""
    numbers = timeline.cause_numbers()
    lines = [f"case {timeline.complaint_id}  ticket {timeline.ticket or '?'}  "
             f"{len(timeline.entries)} events",
             f"{'#':>3}  {'time (UTC)':19}  {'type':22} {'service':8} {'cause':10} summary"]
    for n, e in enumerate(timeline.entries, start=1):
        if e.causation_id is None:
            cause = "-"
        elif e.causation_id in numbers:
            cause = f"#{numbers[e.causation_id]}"
        else:
            cause = str(e.causation_id)[:8]
        again = " (repeated record)" if (e.topic, e.partition, e.offset) in timeline.duplicates \
            else ""
        lines.append(f"{n:>3}  {e.occurred_at:%Y-%m-%d %H:%M:%S}  {e.type:22} {e.service:8} "
                     f"{cause:10} {e.summary}{again}")
    for t, p, o in timeline.missing:
        lines.append(f"  !  {t}/{p}@{o} is indexed but no longer in the log")
    return lines
