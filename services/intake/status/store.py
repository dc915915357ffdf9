"""The citizen-facing projection in PostgreSQL, seeded when a case opens, kept by events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from schemas.envelope import Event
from schemas.intake import ComplaintReceived
from services.intake.status.projection import CLOSED, RECEIVED, Change

_SEED = """
WITH line AS (INSERT INTO case_updates (event_id, complaint_id, occurred_at, kind)
              VALUES ($13, $1, $11, $12) ON CONFLICT (event_id) DO NOTHING),
     done AS (INSERT INTO applied_events (event_id) VALUES ($13) ON CONFLICT DO NOTHING)
INSERT INTO case_status (complaint_id, ticket, channel, category_hint, description, confidential,
                         lat, lon, address, media_url, received_at, status, status_at,
                         updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $11, $11)
ON CONFLICT DO NOTHING
"""
# Any conflict: the case's own row (a redelivery), or another case holding the ticket. Tickets
# are unique per intake database; a second database's intake on the same topic namespace (a
# misconfiguration, or tests) must not crash-loop this projection on a ComplaintReceived.

_STATUS = """
UPDATE case_status SET status = coalesce($2, status), agency = coalesce($3, agency),
                       status_at = $4, updated_at = greatest(updated_at, $4)
WHERE complaint_id = $1 AND status_at <= $4
"""

_HISTORY = """
INSERT INTO case_updates (event_id, complaint_id, occurred_at, kind, agency, message)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING
"""


async def seed(conn: asyncpg.Connection, received: ComplaintReceived) -> None:
    """The view of a case just opened, its event marked applied so that reading it back from
    complaints.received costs one lookup; a replay on an empty database makes the same row."""
    await conn.execute(_SEED, *_seed_args(received))


def _seed_args(received: ComplaintReceived) -> tuple[object, ...]:
    where = received.location
    media = next((a.url for a in received.attachments if a.url), None)
    return (received.complaint_id, received.ticket, received.channel.value,
            received.category_hint, received.text, received.confidential,
            where.lat if where else None, where.lon if where else None,
            where.address if where else None, media, received.occurred_at, RECEIVED,
            received.event_id)


async def seed_many(conn: asyncpg.Connection, received: list[ComplaintReceived]) -> None:
    """seed() for the cases a batch opened (pipelined)."""
    if received:
        await conn.executemany(_SEED, [_seed_args(r) for r in received])


async def applied(pool: asyncpg.Pool, event: Event) -> bool:
    """Whether the event was applied already (checked before opening a transaction)."""
    return await pool.fetchval("SELECT true FROM applied_events WHERE event_id = $1",
                               event.event_id) is True


async def mark_applied(conn: asyncpg.Connection, event: Event) -> bool:
    """Record the event as applied; False when it already was (a replay or redelivery)."""
    return await conn.fetchval(
        "INSERT INTO applied_events (event_id) VALUES ($1) ON CONFLICT DO NOTHING"
        " RETURNING true", event.event_id) is True


async def apply(conn: asyncpg.Connection, event: Event, change: Change) -> None:
    """Apply one event's change; an older event than the current status only adds history."""
    if isinstance(event, ComplaintReceived):
        await seed(conn, event)
        return
    if change.status or change.agency:
        await conn.execute(_STATUS, event.complaint_id, change.status, change.agency,
                           event.occurred_at)
    if change.description is not None:  # an edit or a completed look-up
        await conn.execute("UPDATE case_status SET description = $2,"
                           " updated_at = greatest(updated_at, $3) WHERE complaint_id = $1",
                           event.complaint_id, change.description, event.occurred_at)
    if change.due_at:
        await conn.execute("UPDATE case_status SET due_at = $2 WHERE complaint_id = $1",
                           event.complaint_id, change.due_at)
    if change.history:
        await conn.execute(_HISTORY, event.event_id, event.complaint_id, event.occurred_at,
                           change.history, change.agency, change.message)


async def mark_applied_many(conn: asyncpg.Connection, events: list[Event]) -> set[Any]:
    """Record the events as applied; the ids that were not applied before (one statement)."""
    rows = await conn.fetch(
        "INSERT INTO applied_events (event_id) SELECT unnest($1::uuid[])"
        " ON CONFLICT DO NOTHING RETURNING event_id", [e.event_id for e in events])
    return {r["event_id"] for r in rows}


async def apply_many(conn: asyncpg.Connection, changes: list[tuple[Event, Change]]) -> None:
    """apply() for a batch, statement by statement in event order (pipelined): seeds first,
    then status moves (an older event than the current status only adds history)."""
    seeds = [e for e, _ in changes if isinstance(e, ComplaintReceived)]
    moves = [(e, c) for e, c in changes if not isinstance(e, ComplaintReceived)]
    await seed_many(conn, seeds)
    status = [(e.complaint_id, c.status, c.agency, e.occurred_at) for e, c in moves
              if c.status or c.agency]
    if status:
        await conn.executemany(_STATUS, status)
    due = [(e.complaint_id, c.due_at) for e, c in moves if c.due_at]
    if due:
        await conn.executemany("UPDATE case_status SET due_at = $2 WHERE complaint_id = $1", due)
    history = [(e.event_id, e.complaint_id, e.occurred_at, c.history, c.agency, c.message)
               for e, c in moves if c.history]
    if history:
        await conn.executemany(_HISTORY, history)


async def case_view(pool: asyncpg.Pool, ticket: str) -> dict[str, Any] | None:
    """A case's current view and its public history, by ticket."""
    row = await pool.fetchrow("SELECT * FROM case_status WHERE ticket = $1", ticket)
    if row is None:
        return None
    history = await pool.fetch(
        "SELECT occurred_at, kind, agency, message FROM case_updates WHERE complaint_id = $1"
        " ORDER BY occurred_at, kind", row["complaint_id"])
    return {**dict(row), "history": [dict(h) for h in history]}


async def list_views(pool: asyncpg.Pool, tickets: list[str] | None, category: str | None,
                     closed: bool | None, start: datetime, end: datetime,
                     limit: int) -> list[dict[str, Any]]:
    """Views for a public listing: confidential cases only when asked for by ticket."""
    rows = await pool.fetch(
        "SELECT s.*, (SELECT message FROM case_updates u WHERE u.complaint_id = s.complaint_id"
        "  AND u.message IS NOT NULL ORDER BY u.occurred_at DESC LIMIT 1) AS last_message"
        " FROM case_status s"
        " WHERE ($1::text[] IS NULL AND NOT s.confidential OR s.ticket = ANY($1))"
        " AND ($2::text IS NULL OR s.category_hint = $2)"
        " AND ($3::bool IS NULL OR (s.status = ANY($4::text[])) = $3)"
        " AND s.received_at >= $5 AND s.received_at < $6"
        " ORDER BY s.received_at DESC LIMIT $7",
        tickets, category, closed, sorted(CLOSED), start, end, limit)
    return [dict(r) for r in rows]
