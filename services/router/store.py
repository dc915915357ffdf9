"""The router's PostgreSQL state: cases, handled inputs with their outputs, deferred inputs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import orjson

from schemas.codec import decode
from schemas.enums import Disposition, Flag, Priority
from schemas.envelope import Event
from services.router.casestate import CaseState
from services.router.duplicates import Candidate
from services.runtime.producer import Outgoing


@dataclass(frozen=True)
class Handled:
    """An input event already decided: what it caused, and whether Kafka has it."""

    outputs: list[Outgoing]
    sent: bool
    handled_at: datetime


async def lock_cases(conn: asyncpg.Connection, scope: str, complaint_ids: Iterable[str]) -> None:
    """Serialise everything about these cases (agents and router processes) until commit.

    Taken in one statement, in lock-key order, so two batches sharing cases never deadlock.
    """
    await conn.execute(
        "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtext($1 || '|' || c) AS k"
        " FROM unnest($2::text[]) AS c ORDER BY k OFFSET 0) AS keys",
        scope, sorted(set(complaint_ids)))


def _handled(row: asyncpg.Record) -> Handled:
    outputs = [(o["topic"], decode(orjson.dumps(o["event"]))) for o in orjson.loads(row["outputs"])]
    return Handled(outputs, row["sent_at"] is not None, row["handled_at"])


async def find_handled(conn: asyncpg.Connection, scope: str, event_ids: Sequence[UUID]
                       ) -> dict[UUID, Handled]:
    """The inputs among `event_ids` handled before, with what they caused."""
    rows = await conn.fetch(
        "SELECT event_id, outputs, sent_at, handled_at FROM handled"
        " WHERE scope = $1 AND event_id = ANY($2::uuid[])", scope, list(event_ids))
    return {r["event_id"]: _handled(r) for r in rows}


async def record_handled(conn: asyncpg.Connection, scope: str,
                         handled: Sequence[tuple[Event, list[Outgoing], str]]) -> None:
    """One idempotency row per input: its outputs (the outbox), sent at once if none."""
    def row(event: Event, outputs: list[Outgoing], note: str) -> tuple[Any, ...]:
        payload = [{"topic": t, "event": orjson.loads(e.model_dump_json())} for t, e in outputs]
        return (scope, event.event_id, event.complaint_id, orjson.dumps(payload).decode(),
                note or None, not outputs)

    await conn.executemany(
        "INSERT INTO handled (scope, event_id, complaint_id, outputs, note, sent_at)"
        " VALUES ($1, $2, $3, $4, $5, CASE WHEN $6 THEN now() END)"
        " ON CONFLICT (scope, event_id) DO NOTHING",
        [row(*h) for h in handled])


async def mark_sent(pool: asyncpg.Pool, scope: str, event_ids: Sequence[UUID]) -> None:
    """Kafka acknowledged these inputs' outputs: one statement for a whole batch."""
    await pool.execute(
        "UPDATE handled SET sent_at = now() WHERE scope = $1 AND event_id = ANY($2::uuid[])"
        " AND sent_at IS NULL", scope, list(event_ids))


def _case(row: asyncpg.Record) -> CaseState:
    return CaseState(
        complaint_id=row["complaint_id"], tenant=row["tenant"], ticket=row["ticket"],
        text=row["text"], kecamatan=row["kecamatan"], category=row["category"],
        agency=row["agency"], disposition=Disposition(row["disposition"]),
        agency_chain=tuple(row["agency_chain"]), priority=Priority(row["priority"]),
        flags=tuple(Flag(f) for f in row["flags"]), rules_version=row["rules_version"],
        received_at=row["received_at"], parent_complaint_id=row["parent_complaint_id"])


async def load_cases(conn: asyncpg.Connection, scope: str, complaint_ids: Iterable[str]
                     ) -> dict[str, CaseState]:
    rows = await conn.fetch(
        "SELECT * FROM cases WHERE scope = $1 AND complaint_id = ANY($2::text[])",
        scope, list(set(complaint_ids)))
    return {r["complaint_id"]: _case(r) for r in rows}


async def save_cases(conn: asyncpg.Connection, scope: str,
                     cases: Iterable[tuple[CaseState, str | None]]) -> None:
    """Insert or update cases; `content` is only written when a case is first routed."""
    await conn.executemany(
        "INSERT INTO cases (scope, complaint_id, tenant, ticket, text, content, kecamatan,"
        " category, agency, disposition, agency_chain, priority, flags, rules_version,"
        " parent_complaint_id, received_at)"
        " VALUES ($1, $2, $3, $4, $5, coalesce($6, ''), $7, $8, $9, $10, $11, $12, $13, $14,"
        " $15, $16)"
        " ON CONFLICT (scope, complaint_id) DO UPDATE SET agency = excluded.agency,"
        " disposition = excluded.disposition, agency_chain = excluded.agency_chain,"
        " priority = excluded.priority, flags = excluded.flags,"
        " rules_version = excluded.rules_version, updated_at = now()",
        [(scope, state.complaint_id, state.tenant, state.ticket, state.text, content,
          state.kecamatan, state.category, state.agency, state.disposition.value,
          list(state.agency_chain), state.priority.value, [f.value for f in state.flags],
          state.rules_version, state.parent_complaint_id, state.received_at)
         for state, content in cases])


async def open_cases(conn: asyncpg.Connection, scope: str, tenant: str, agency: str,
                     since: datetime, limit: int = 200) -> list[Candidate]:
    """Assigned, unlinked cases of an agency received since `since`, newest first."""
    rows = await conn.fetch(
        "SELECT complaint_id, ticket, content, kecamatan, received_at FROM cases"
        " WHERE scope = $1 AND tenant = $2 AND agency = $3 AND received_at >= $4"
        " AND parent_complaint_id IS NULL AND disposition = 'assigned'"
        " ORDER BY received_at DESC LIMIT $5", scope, tenant, agency, since, limit)
    return [Candidate(r["complaint_id"], r["ticket"], r["content"], r["kecamatan"],
                      r["received_at"]) for r in rows]


async def defer(conn: asyncpg.Connection, scope: str, events: Sequence[Event]) -> None:
    await conn.executemany(
        # clock_timestamp(): rows of one transaction keep their arrival order.
        "INSERT INTO deferred (scope, event_id, complaint_id, event, deferred_at)"
        " VALUES ($1, $2, $3, $4, clock_timestamp()) ON CONFLICT DO NOTHING",
        [(scope, e.event_id, e.complaint_id, e.model_dump_json()) for e in events])


async def take_deferred(conn: asyncpg.Connection, scope: str, complaint_ids: Iterable[str]
                        ) -> dict[str, list[Event]]:
    """Remove and return the inputs waiting for these cases, each case's in arrival order."""
    rows = await conn.fetch(
        "DELETE FROM deferred WHERE scope = $1 AND complaint_id = ANY($2::text[])"
        " RETURNING complaint_id, event, deferred_at", scope, list(set(complaint_ids)))
    waiting: dict[str, list[Event]] = {}
    for r in sorted(rows, key=lambda r: r["deferred_at"]):
        waiting.setdefault(r["complaint_id"], []).append(decode(r["event"]))
    return waiting
