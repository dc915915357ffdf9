"""The outbox: events are stored with the decision that makes them, then sent to Kafka.

A row is sent while its row lock is held and marked published in the same transaction, so two
intake processes never both send it; the one that waits finds it published. A crash between
the broker's acknowledgement and the commit re-sends it later with the same event id.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import asyncpg

from schemas.codec import decode
from services.runtime.producer import EventProducer, Outgoing

log = logging.getLogger(__name__)

# One round trip; the case row's flag is kept for readers of the first schema.
_MARK = """
WITH sent AS (UPDATE outbox SET published_at = now() WHERE event_id = ANY($1))
UPDATE cases SET published_at = now() WHERE complaint_id = ANY($2) AND published_at IS NULL
"""


async def store(conn: asyncpg.Connection, outgoing: Sequence[Outgoing]) -> None:
    """Add events to the outbox inside the caller's transaction (a repeated id is ignored)."""
    await conn.executemany(
        "INSERT INTO outbox (event_id, complaint_id, topic, event) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (event_id) DO NOTHING",
        [(e.event_id, e.complaint_id, topic, e.model_dump_json()) for topic, e in outgoing])


async def mark_published(pool: asyncpg.Pool, event_ids: Sequence[object]) -> None:
    """Kafka acknowledged these rows, sent by a batch consumer (one statement)."""
    if event_ids:
        await pool.execute("UPDATE outbox SET published_at = now() WHERE event_id = ANY($1)"
                           " AND published_at IS NULL", list(event_ids))


async def publish_case(pool: asyncpg.Pool, producer: EventProducer, complaint_id: str,
                       skip_locked: bool = False) -> int:
    """Send the case's unpublished events and wait until Kafka has them; return how many.

    Without skip_locked, a caller waits for another process that is sending the same rows,
    so that on return the events are durable whoever sent them.
    """
    return await publish_cases(pool, producer, [complaint_id], skip_locked)


async def publish_cases(pool: asyncpg.Pool, producer: EventProducer,
                        complaint_ids: Sequence[str], skip_locked: bool = False) -> int:
    """publish_case for several cases: one transaction, one batched send, one mark."""
    if not complaint_ids:
        return 0
    lock = "FOR UPDATE SKIP LOCKED" if skip_locked else "FOR UPDATE"
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            "SELECT event_id, complaint_id, topic, event FROM outbox"
            " WHERE complaint_id = ANY($1::text[]) AND published_at IS NULL"
            f" ORDER BY created_at, complaint_id, topic {lock}", list(complaint_ids))
        if not rows:
            return 0
        await producer.send_many([(r["topic"], decode(r["event"])) for r in rows])
        await conn.execute(_MARK, [r["event_id"] for r in rows],
                           list({r["complaint_id"] for r in rows}))
    return len(rows)


async def publish_pending(pool: asyncpg.Pool, producer: EventProducer,
                          older_than_seconds: float = 0.0, limit: int = 500) -> int:
    """Send events a crash or a Kafka outage left behind; rows being sent now are skipped."""
    ids = await pool.fetch(
        "SELECT DISTINCT complaint_id FROM outbox WHERE published_at IS NULL"
        " AND created_at <= now() - make_interval(secs => $1) LIMIT $2",
        older_than_seconds, limit)
    sent = await publish_cases(pool, producer, [r["complaint_id"] for r in ids],
                               skip_locked=True)
    if sent:
        log.warning("outbox: re-sent %d events left unpublished", sent)
    return sent
