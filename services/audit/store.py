"""The audit index in PostgreSQL: one transaction per batch, and the look-ups of a timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from services.audit.index import IndexRow

SCHEMA = "audit"

_INSERT_EVENTS = """
INSERT INTO event_index (topic, partition, "offset", complaint_id, type, occurred_at, service,
                         event_id, causation_id)
SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::text[],
                     $6::timestamptz[], $7::text[], $8::uuid[], $9::uuid[])
ON CONFLICT (topic, partition, "offset") DO NOTHING
"""
_INSERT_TICKETS = """
INSERT INTO ticket_index (namespace, ticket, complaint_id)
SELECT $1, * FROM unnest($2::text[], $3::text[])
ON CONFLICT DO NOTHING
"""


@dataclass(frozen=True)
class Located:
    """Where one event of a case sits: enough to fetch it and to order it."""

    topic: str
    partition: int
    offset: int
    type: str
    service: str


class IndexStore:
    """Writes batches of index rows idempotently and answers "where are this case's events"."""

    def __init__(self, pool: asyncpg.Pool, namespace: str) -> None:
        self.pool = pool
        self.namespace = namespace  # the topic prefix: tickets repeat across namespaces

    async def add(self, rows: Sequence[IndexRow]) -> int:
        """Record a batch in one transaction; a redelivered batch changes nothing."""
        if not rows:
            return 0
        tickets = [(r.ticket, r.complaint_id) for r in rows if r.ticket]
        async with self.pool.acquire() as conn, conn.transaction():
            status = await conn.execute(
                _INSERT_EVENTS, [r.topic for r in rows], [r.partition for r in rows],
                [r.offset for r in rows], [r.complaint_id for r in rows],
                [r.type for r in rows], [r.occurred_at for r in rows],
                [r.service for r in rows], [r.event_id for r in rows],
                [r.causation_id for r in rows])
            if tickets:
                await conn.execute(_INSERT_TICKETS, self.namespace, [t for t, _ in tickets],
                                   [c for _, c in tickets])
        return int(status.rsplit(" ", 1)[-1])

    async def complaint_ids(self, reference: str) -> list[str]:
        """The case(s) a ticket names, or the reference itself when it is a complaint id."""
        found = await self.pool.fetch(
            "SELECT complaint_id FROM ticket_index WHERE namespace = $1 AND ticket = $2 "
            "ORDER BY complaint_id", self.namespace, reference)
        return [r["complaint_id"] for r in found] or [reference]

    async def locate(self, complaint_id: str, topics: Sequence[str]) -> list[Located]:
        """Every indexed position of a case's events on the given physical topics."""
        rows = await self.pool.fetch(
            'SELECT topic, partition, "offset", type, service FROM event_index '
            'WHERE complaint_id = $1 AND topic = ANY($2::text[]) '
            'ORDER BY topic, partition, "offset"', complaint_id, list(topics))
        return [Located(r["topic"], r["partition"], r["offset"], r["type"], r["service"])
                for r in rows]
