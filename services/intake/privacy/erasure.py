"""Erasing a reporter's contact data from the registry, and recording that it was done.

What goes: name, phone, e-mail and handle in `reporters`, each case's recipient and reply
context, and the notices to them still kept in the outbox. What stays: the pseudonymous
reporter id and the masked case text, in the database and in the Kafka log, so the audit trail
still adds up and no event needs rewriting.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from schemas.topics import NOTIFY_REQUESTS


class UnknownTicket(LookupError):
    """No case has this ticket."""


@dataclass(frozen=True)
class Erasure:
    erasure_id: str
    reason: str
    ticket: str | None
    reporter_id: str | None
    cases: int


async def _erase_reporter(conn: asyncpg.Connection, reporter_id: str) -> int:
    await conn.execute(
        "UPDATE reporters SET name = NULL, phone = NULL, email = NULL, handle = NULL,"
        " identity = 'erased:' || reporter_id, erased_at = now(), updated_at = now()"
        " WHERE reporter_id = $1", reporter_id)
    return await _clear_cases(conn, "reporter_id = $1", reporter_id)


async def _clear_cases(conn: asyncpg.Connection, where: str, value: str) -> int:
    ids = [r["complaint_id"] for r in await conn.fetch(
        f"UPDATE cases SET recipient = NULL, reply_context = '{{}}' WHERE {where}"  # noqa: S608
        " RETURNING complaint_id", value)]
    # Notices carry the address: unsent ones would reach someone who asked to be forgotten.
    await conn.execute("DELETE FROM outbox WHERE topic = $1 AND complaint_id = ANY($2)",
                       NOTIFY_REQUESTS.name, ids)
    return len(ids)


async def _record(conn: asyncpg.Connection, reason: str, ticket: str | None,
                  reporter_id: str | None, cases: int, by: str | None) -> Erasure:
    erasure = Erasure("e-" + secrets.token_hex(8), reason, ticket, reporter_id, cases)
    await conn.execute(
        "INSERT INTO erasures (erasure_id, reason, ticket, reporter_id, cases, requested_by)"
        " VALUES ($1, $2, $3, $4, $5, $6)", erasure.erasure_id, reason, ticket, reporter_id,
        cases, by)
    return erasure


async def erase_by_ticket(pool: asyncpg.Pool, ticket: str, by: str) -> Erasure:
    """A citizen's request: erase the contact data of the reporter of this ticket's case
    (all their cases), or only the case's own contact if it has no registered reporter."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow("SELECT complaint_id, reporter_id FROM cases WHERE ticket = $1"
                                  " FOR UPDATE", ticket)
        if row is None:
            raise UnknownTicket(ticket)
        reporter_id = row["reporter_id"]
        if reporter_id is not None:
            cases = await _erase_reporter(conn, reporter_id)
        else:
            cases = await _clear_cases(conn, "complaint_id = $1", row["complaint_id"])
        return await _record(conn, "request", ticket, reporter_id, cases, by)


async def erase_expired(pool: asyncpg.Pool, retention_days: int, now: datetime,
                        limit: int = 500) -> list[Erasure]:
    """Erase reporters not heard from within the retention period (a batch per call)."""
    cutoff = now - timedelta(days=retention_days)
    done = []
    async with pool.acquire() as conn, conn.transaction():
        expired = await conn.fetch(
            "SELECT reporter_id FROM reporters WHERE erased_at IS NULL AND updated_at < $1"
            " ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED", cutoff, limit)
        for row in expired:
            cases = await _erase_reporter(conn, row["reporter_id"])
            done.append(await _record(conn, "retention", None, row["reporter_id"], cases, None))
    return done


async def erasures(pool: asyncpg.Pool, limit: int = 100) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT * FROM erasures ORDER BY erased_at DESC LIMIT $1", limit)
