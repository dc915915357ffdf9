"""Pending look-ups in PostgreSQL: scheduled with the case, claimed by one process at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import orjson

LEASE = timedelta(minutes=5)  # a claimed row is not claimed again before this, even by a crash


@dataclass(frozen=True)
class Pending:
    complaint_id: str
    lookup: str
    params: dict[str, Any]
    attempts: int


async def schedule(pool: asyncpg.Pool, complaint_id: str, lookup: str,
                   params: dict[str, Any], now: datetime) -> None:
    """Record a look-up to try again; a redelivery of the same item schedules nothing new."""
    await pool.execute(
        "INSERT INTO enrichments (complaint_id, lookup, params, next_at) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (complaint_id, lookup) DO NOTHING",
        complaint_id, lookup, orjson.dumps(params).decode(), now)


async def claim_due(pool: asyncpg.Pool, now: datetime, limit: int) -> list[Pending]:
    """Look-ups due now, leased to this process so that another one skips them."""
    rows = await pool.fetch(
        "UPDATE enrichments SET next_at = $2 WHERE (complaint_id, lookup) IN ("
        " SELECT complaint_id, lookup FROM enrichments WHERE done_at IS NULL AND next_at <= $1"
        " ORDER BY next_at LIMIT $3 FOR UPDATE SKIP LOCKED)"
        " RETURNING complaint_id, lookup, params, attempts", now, now + LEASE, limit)
    return [Pending(r["complaint_id"], r["lookup"], orjson.loads(r["params"]), r["attempts"])
            for r in rows]


async def succeeded(pool: asyncpg.Pool, pending: Pending, now: datetime) -> None:
    await pool.execute("UPDATE enrichments SET done_at = $3, attempts = attempts + 1"
                       " WHERE complaint_id = $1 AND lookup = $2",
                       pending.complaint_id, pending.lookup, now)


async def failed(pool: asyncpg.Pool, pending: Pending, retry_at: datetime | None,
                 error: str, now: datetime) -> None:
    """Count the failure; without a retry time the look-up is given up (done, with its error)."""
    await pool.execute(
        "UPDATE enrichments SET attempts = attempts + 1, last_error = $3,"
        " next_at = coalesce($4, next_at), done_at = CASE WHEN $4::timestamptz IS NULL"
        " THEN $5::timestamptz END WHERE complaint_id = $1 AND lookup = $2",
        pending.complaint_id, pending.lookup, error[:1000], retry_at, now)


async def state_of(pool: asyncpg.Pool, complaint_id: str) -> dict[str, Any] | None:
    """A case's pending look-up, for tests and operators."""
    row = await pool.fetchrow("SELECT * FROM enrichments WHERE complaint_id = $1", complaint_id)
    return dict(row) if row else None
