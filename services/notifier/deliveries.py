"""The delivery log in PostgreSQL: at most one finished delivery per message, ever."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class Claim:
    """What the log knew when a delivery was (re)started."""

    status: str  # 'sending' (ours to send now), 'delivered' or 'failed' (already finished)
    claims: int  # > 1: an earlier send was interrupted and its outcome is unknown
    attempts: int  # calls already made by earlier claims

    @property
    def finished(self) -> bool:
        return self.status in ("delivered", "failed")


_CLAIM = """
INSERT INTO delivery_log (delivery_id, request_id, complaint_id, channel, recipient, template,
                          status)
VALUES ($1, $2, $3, $4, $5, $6, 'sending')
ON CONFLICT (delivery_id) DO UPDATE
   SET claims = delivery_log.claims + 1, updated_at = now()
 WHERE delivery_log.status = 'sending'
RETURNING status, claims, attempts
"""


async def claim(pool: asyncpg.Pool, delivery_id: uuid.UUID, request_id: uuid.UUID,
                complaint_id: str, channel: str, recipient: str, template: str) -> Claim:
    """Record 'sending' before the call; tell the caller if the delivery already finished."""
    row = await pool.fetchrow(_CLAIM, delivery_id, request_id, complaint_id, channel, recipient,
                              template)
    if row is None:  # finished earlier: the WHERE kept the row as it was
        row = await pool.fetchrow(
            "SELECT status, claims, attempts FROM delivery_log WHERE delivery_id = $1",
            delivery_id)
    return Claim(row["status"], row["claims"], row["attempts"])


async def finish(pool: asyncpg.Pool, delivery_id: uuid.UUID, status: str, attempts: int,
                 error: str | None = None, provider_message_id: str | None = None) -> None:
    """Mark a delivery delivered or failed, adding this claim's attempts."""
    await pool.execute(
        "UPDATE delivery_log SET status = $2, attempts = attempts + $3, last_error = $4,"
        " provider_message_id = $5, updated_at = now(), finished_at = now()"
        " WHERE delivery_id = $1",
        delivery_id, status, attempts, error, provider_message_id)


_FINISH_MANY = """
UPDATE delivery_log AS d SET status = u.status, attempts = d.attempts + u.attempts,
       last_error = u.error, provider_message_id = u.provider, updated_at = now(),
       finished_at = now()
FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::text[])
     AS u(delivery_id, status, attempts, error, provider)
WHERE d.delivery_id = u.delivery_id
"""
Finished = tuple[uuid.UUID, str, int, str | None, str | None]  # finish()'s arguments


async def finish_many(pool: asyncpg.Pool, rows: list[Finished]) -> None:
    """finish() for deliveries of distinct ids, in one statement."""
    if rows:
        await pool.execute(_FINISH_MANY, *[list(c) for c in zip(*rows, strict=True)])


async def remember_case(pool: asyncpg.Pool, complaint_id: str, ticket: str, agency: str) -> None:
    await pool.execute(
        "INSERT INTO known_cases (complaint_id, ticket, agency) VALUES ($1, $2, $3)"
        " ON CONFLICT (complaint_id) DO UPDATE SET agency = $3, updated_at = now()",
        complaint_id, ticket, agency)


async def ticket_of(pool: asyncpg.Pool, complaint_id: str) -> str | None:
    return await pool.fetchval("SELECT ticket FROM known_cases WHERE complaint_id = $1",
                               complaint_id)


_CLAIM_MANY = """
INSERT INTO delivery_log (delivery_id, request_id, complaint_id, channel, recipient, template,
                          status)
SELECT u.*, 'sending' FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[],
                                  $6::text[]) AS u
ON CONFLICT (delivery_id) DO UPDATE
   SET claims = delivery_log.claims + 1, updated_at = now()
 WHERE delivery_log.status = 'sending'
RETURNING delivery_id, status, claims, attempts
"""

ClaimRow = tuple[uuid.UUID, uuid.UUID, str, str, str, str]


async def claim_many(pool: asyncpg.Pool, rows: list[ClaimRow]) -> dict[uuid.UUID, Claim]:
    """claim() for a batch's deliveries (distinct ids): two statements at most."""
    if not rows:
        return {}
    columns = [list(c) for c in zip(*rows, strict=True)]
    found = {r["delivery_id"]: Claim(r["status"], r["claims"], r["attempts"])
             for r in await pool.fetch(_CLAIM_MANY, *columns)}
    finished = [r[0] for r in rows if r[0] not in found]
    if finished:  # finished earlier: the WHERE kept those rows as they were
        for r in await pool.fetch("SELECT delivery_id, status, claims, attempts FROM"
                                  " delivery_log WHERE delivery_id = ANY($1::uuid[])", finished):
            found[r["delivery_id"]] = Claim(r["status"], r["claims"], r["attempts"])
    return found


async def remember_cases(pool: asyncpg.Pool, cases: list[tuple[str, str, str]]) -> None:
    """remember_case for a batch of assignments, in order (pipelined)."""
    if cases:
        await pool.executemany(
            "INSERT INTO known_cases (complaint_id, ticket, agency) VALUES ($1, $2, $3)"
            " ON CONFLICT (complaint_id) DO UPDATE SET agency = $3, updated_at = now()", cases)


async def tickets_of(pool: asyncpg.Pool, complaint_ids: list[str]) -> dict[str, str]:
    rows = await pool.fetch("SELECT complaint_id, ticket FROM known_cases"
                            " WHERE complaint_id = ANY($1::text[])", list(set(complaint_ids)))
    return {r["complaint_id"]: r["ticket"] for r in rows}
