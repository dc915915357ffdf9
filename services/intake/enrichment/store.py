"""Pending look-ups in PostgreSQL: scheduled with the case, claimed by one process at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import orjson

from services.intake.channels.inbound import Deferred

LEASE = timedelta(minutes=5)  # a claimed row is not claimed again before this, even by a crash


@dataclass(frozen=True)
class Pending:
    complaint_id: str
    lookup: str
    params: dict[str, Any]
    attempts: int
    item: str = ""  # which part of the case: a media id; '' for a whole-case look-up


async def schedule_in(conn: asyncpg.Connection, complaint_id: str,
                      deferred: Sequence[Deferred]) -> None:
    """Record look-ups to try, inside the transaction that opens the case (due at once)."""
    await schedule_many(conn, [(complaint_id, deferred)])


async def schedule_many(conn: asyncpg.Connection,
                        cases: Sequence[tuple[str, Sequence[Deferred]]]) -> None:
    """schedule_in for the cases a group commit opens, in one pipelined statement."""
    rows = [(complaint_id, d.lookup, d.item, orjson.dumps(d.params).decode())
            for complaint_id, deferred in cases for d in deferred]
    if rows:
        await conn.executemany(
            "INSERT INTO enrichments (complaint_id, lookup, item, params, next_at)"
            " VALUES ($1, $2, $3, $4, now()) ON CONFLICT (complaint_id, lookup, item) DO NOTHING",
            rows)


async def claim_due(pool: asyncpg.Pool, now: datetime, limit: int) -> list[Pending]:
    """Look-ups due now, leased to this process so that another one skips them."""
    rows = await pool.fetch(
        "UPDATE enrichments SET next_at = $2 WHERE (complaint_id, lookup, item) IN ("
        " SELECT complaint_id, lookup, item FROM enrichments"
        " WHERE done_at IS NULL AND next_at <= $1"
        " ORDER BY next_at LIMIT $3 FOR UPDATE SKIP LOCKED)"
        " RETURNING complaint_id, lookup, item, params, attempts", now, now + LEASE, limit)
    return [Pending(r["complaint_id"], r["lookup"], orjson.loads(r["params"]), r["attempts"],
                    r["item"]) for r in rows]


_KEY = "complaint_id = $1 AND lookup = $2 AND item = $3"


async def succeeded(pool: asyncpg.Pool, pending: Pending, now: datetime) -> None:
    await pool.execute(f"UPDATE enrichments SET done_at = $4, attempts = attempts + 1,"
                       f" last_error = NULL WHERE {_KEY}",
                       pending.complaint_id, pending.lookup, pending.item, now)


async def failed(pool: asyncpg.Pool, pending: Pending, retry_at: datetime | None,
                 error: str, now: datetime) -> None:
    """Count the failure; without a retry time the look-up is given up (done, with its error)."""
    await pool.execute(
        "UPDATE enrichments SET attempts = attempts + 1, last_error = $4,"
        " next_at = coalesce($5, next_at), done_at = CASE WHEN $5::timestamptz IS NULL"
        f" THEN $6::timestamptz END WHERE {_KEY}",
        pending.complaint_id, pending.lookup, pending.item, error[:1000], retry_at, now)


async def state_of(pool: asyncpg.Pool, complaint_id: str,
                   lookup: str | None = None) -> dict[str, Any] | None:
    """A case's pending look-up (the first, or the named one), for tests and operators."""
    row = await pool.fetchrow(
        "SELECT * FROM enrichments WHERE complaint_id = $1 AND ($2::text IS NULL OR lookup = $2)"
        " ORDER BY created_at, item LIMIT 1", complaint_id, lookup)
    return dict(row) if row else None
