"""The router's PostgreSQL state: cases, handled inputs with their outputs, deferred inputs."""

from __future__ import annotations

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


async def lock_case(conn: asyncpg.Connection, scope: str, complaint_id: str) -> None:
    """Serialise everything about one case (agents and router processes) until commit."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"{scope}|{complaint_id}")


async def find_handled(conn: asyncpg.Connection, scope: str, event_id: UUID) -> Handled | None:
    row = await conn.fetchrow(
        "SELECT outputs, sent_at, handled_at FROM handled WHERE scope = $1 AND event_id = $2",
        scope, event_id)
    if row is None:
        return None
    outputs = [(o["topic"], decode(orjson.dumps(o["event"]))) for o in orjson.loads(row["outputs"])]
    return Handled(outputs, row["sent_at"] is not None, row["handled_at"])


async def record_handled(conn: asyncpg.Connection, scope: str, event: Event,
                         outputs: list[Outgoing], note: str = "") -> None:
    payload = [{"topic": t, "event": orjson.loads(e.model_dump_json())} for t, e in outputs]
    await conn.execute(
        "INSERT INTO handled (scope, event_id, complaint_id, outputs, note, sent_at)"
        " VALUES ($1, $2, $3, $4, $5, CASE WHEN $6 THEN now() END)",
        scope, event.event_id, event.complaint_id, orjson.dumps(payload).decode(),
        note or None, not outputs)


async def mark_sent(pool: asyncpg.Pool, scope: str, event_id: UUID) -> None:
    await pool.execute(
        "UPDATE handled SET sent_at = now() WHERE scope = $1 AND event_id = $2", scope, event_id)


async def load_case(conn: asyncpg.Connection, scope: str, complaint_id: str) -> CaseState | None:
    row = await conn.fetchrow(
        "SELECT * FROM cases WHERE scope = $1 AND complaint_id = $2", scope, complaint_id)
    if row is None:
        return None
    return CaseState(
        complaint_id=row["complaint_id"], tenant=row["tenant"], ticket=row["ticket"],
        text=row["text"], kecamatan=row["kecamatan"], category=row["category"],
        agency=row["agency"], disposition=Disposition(row["disposition"]),
        agency_chain=tuple(row["agency_chain"]), priority=Priority(row["priority"]),
        flags=tuple(Flag(f) for f in row["flags"]), rules_version=row["rules_version"],
        received_at=row["received_at"], parent_complaint_id=row["parent_complaint_id"])


async def save_case(conn: asyncpg.Connection, scope: str, state: CaseState,
                    content: str | None = None) -> None:
    """Insert or update the case; `content` is only written when the case is first routed."""
    await conn.execute(
        "INSERT INTO cases (scope, complaint_id, tenant, ticket, text, content, kecamatan,"
        " category, agency, disposition, agency_chain, priority, flags, rules_version,"
        " parent_complaint_id, received_at)"
        " VALUES ($1, $2, $3, $4, $5, coalesce($6, ''), $7, $8, $9, $10, $11, $12, $13, $14,"
        " $15, $16)"
        " ON CONFLICT (scope, complaint_id) DO UPDATE SET agency = excluded.agency,"
        " disposition = excluded.disposition, agency_chain = excluded.agency_chain,"
        " priority = excluded.priority, flags = excluded.flags,"
        " rules_version = excluded.rules_version, updated_at = now()",
        scope, state.complaint_id, state.tenant, state.ticket, state.text, content,
        state.kecamatan, state.category, state.agency, state.disposition.value,
        list(state.agency_chain), state.priority.value, [f.value for f in state.flags],
        state.rules_version, state.parent_complaint_id, state.received_at)


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


async def defer(conn: asyncpg.Connection, scope: str, event: Event) -> None:
    await conn.execute(
        "INSERT INTO deferred (scope, event_id, complaint_id, event) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT DO NOTHING", scope, event.event_id, event.complaint_id,
        event.model_dump_json())


async def take_deferred(conn: asyncpg.Connection, scope: str, complaint_id: str) -> list[Event]:
    rows = await conn.fetch(
        "DELETE FROM deferred WHERE scope = $1 AND complaint_id = $2 RETURNING event, deferred_at",
        scope, complaint_id)
    ordered: list[Any] = sorted(rows, key=lambda r: r["deferred_at"])
    return [decode(r["event"]) for r in ordered]
