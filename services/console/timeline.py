"""The case timeline: ONE seam (a TimelineReader) where the audit service's reader plugs in.

By default the console shows its own projection of the same events (case_events), with the
producing service and the cause of each; `Entry` is the shape the case page renders.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.console import store


@dataclass(frozen=True)
class Entry:
    at: datetime
    type: str
    topic: str
    producer: str  # the service (or person) that produced the event
    summary: str
    event_id: uuid.UUID
    cause: uuid.UUID | None
    source: str = "proyeksi konsol"  # where the line was read: this projection, or the log


TimelineReader = Callable[[asyncpg.Pool, str], Awaitable[list[Entry]]]


async def projected_timeline(pool: asyncpg.Pool, complaint_id: str) -> list[Entry]:
    """The console's own record of the case's events, in event time."""
    return [Entry(r["occurred_at"], r["type"], r["topic"], r["actor"], r["summary"],
                  r["event_id"], r["causation_id"])
            for r in await store.history(pool, complaint_id)]


# With TANGGAP_CONSOLE_AUDIT_URL and _KEY set, app.py puts audit_reader.audit_reader (the log,
# through the audit service) in front of this one (ConsoleState.timeline).
DEFAULT_READER: TimelineReader = projected_timeline
