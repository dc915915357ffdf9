"""The console's projection in PostgreSQL: apply an event once, and read cases for the screens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from schemas.envelope import Event
from services.console.projection import HELD, Change

CASE_COLUMNS = {"ticket", "channel", "received_by", "text", "kecamatan", "confidential",
                "anonymous", "received_at", "category", "priority", "confidence", "reason",
                "flags", "agency_chain", "parent_complaint_id", "parent_ticket",
                "last_redirect_reason", "last_redirect_from", "first_answer_at", "first_text",
                "round", "closed_reason", "withdrawn_reason"}
# A received case with no later fact keeps "received"; facts never overwrite with NULL.
KEEP_FIRST = {"first_answer_at", "received_at", "first_text"}
# Set by name; the others below have rules of their own.
RULES = {
    # The received or routed text only until an edit or look-up set a newer one (text_at).
    "text": "CASE WHEN cases.text_at IS NULL THEN EXCLUDED.text ELSE cases.text END",
    "round": "GREATEST(cases.round, EXCLUDED.round)",  # a late event of round 1 stays behind
}


def _set(name: str) -> str:
    if name in KEEP_FIRST:
        return f"{name} = COALESCE(cases.{name}, EXCLUDED.{name})"
    return f"{name} = {RULES.get(name, f'EXCLUDED.{name}')}"


async def apply(conn: asyncpg.Connection, event: Event, topic: str, change: Change) -> bool:
    """Apply one event in the caller's transaction; False if it was applied before."""
    line = change.line
    inserted = await conn.fetchval(
        "INSERT INTO case_events (event_id, complaint_id, occurred_at, type, topic, actor,"
        " agency, summary, public_kind, public_message, causation_id)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT DO NOTHING RETURNING true",
        event.event_id, event.complaint_id, event.occurred_at, event.type, topic,
        line.actor if line else "-", line.agency if line else None,
        line.summary if line else event.type, line.public_kind if line else None,
        line.public_message if line else None, event.causation_id)
    if not inserted:
        return False
    facts = {k: v for k, v in change.facts.items() if k in CASE_COLUMNS and v is not None}
    names = list(facts)
    # One statement creates the row or sets the facts (events of a case come in any order).
    sets = ", ".join(_set(n) for n in names)
    await conn.execute(
        f"INSERT INTO cases (complaint_id{''.join(', ' + n for n in names)}) VALUES ($1"
        f"{''.join(f', ${i + 2}' for i in range(len(names)))}) ON CONFLICT (complaint_id) DO "
        + (f"UPDATE SET {sets}, updated_at = now()" if names else "NOTHING"),
        event.complaint_id, *facts.values())
    if change.status is not None:
        await _move(conn, event, change.status, change.agency)
    if change.text is not None:
        # The newest edit or look-up wins; the received text stays in first_text.
        await conn.execute(
            "UPDATE cases SET text = $2, text_at = $3, updated_at = now() WHERE complaint_id = $1"
            " AND (text_at IS NULL OR text_at <= $3)",
            event.complaint_id, change.text, event.occurred_at)
    if change.verdict is not None:
        v = change.verdict
        await conn.execute(
            "UPDATE cases SET verdict = $2, verdict_round = $3, verdict_reason = $4,"
            " verdict_at = $5, updated_at = now() WHERE complaint_id = $1"
            " AND (verdict_at IS NULL OR verdict_at <= $5)",
            event.complaint_id, "solved" if v.solved else "not_solved", v.round, v.reason,
            event.occurred_at)
    if change.clock is not None:
        c = change.clock
        await conn.execute(
            "INSERT INTO clocks (clock_id, complaint_id, agency, target, due_at, state, state_at,"
            " started_at, met_at, within_target) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)"
            " ON CONFLICT (clock_id) DO UPDATE SET due_at = EXCLUDED.due_at,"
            " state = EXCLUDED.state, state_at = EXCLUDED.state_at,"
            " started_at = COALESCE(clocks.started_at, EXCLUDED.started_at),"
            " met_at = COALESCE(EXCLUDED.met_at, clocks.met_at),"
            " within_target = COALESCE(EXCLUDED.within_target, clocks.within_target)"
            " WHERE clocks.state_at <= EXCLUDED.state_at"
            # A clock once met, breached-then-met or stopped does not run again.
            " AND NOT (clocks.state IN ('met', 'stopped') AND EXCLUDED.state IN ('running',"
            " 'paused', 'breached'))",
            c.clock_id, event.complaint_id, c.agency, c.target, c.due_at, c.state,
            event.occurred_at, c.started_at, c.met_at, c.within_target)
    return True


async def _move(conn: asyncpg.Connection, event: Event, status: str, agency: str | None) -> None:
    # Only forward in event time: a late ComplaintReceived must not reopen a resolved case, and
    # "received" is only ever the first status (at an equal time it loses). A withdrawal wins
    # in any order and for good, since the router may still decide on a deleted message; the
    # case keeps its holder so that the holder's inbox shows the withdrawal.
    await conn.execute(
        "UPDATE cases SET status = $2, status_at = $4, updated_at = now(),"
        " agency = CASE WHEN $2 IN ('received', 'withdrawn') THEN agency ELSE $3 END,"
        " agency_at = CASE WHEN $2 IN ('received', 'withdrawn') THEN agency_at ELSE $4 END"
        " WHERE complaint_id = $1 AND status <> 'withdrawn' AND ($2 = 'withdrawn'"
        " OR status_at IS NULL OR (status_at <= $4 AND $2 <> 'received'))",
        event.complaint_id, status, agency, event.occurred_at)
    if status not in ("received", "withdrawn"):
        # Who held the withdrawn case still follows event time (an assignment read late).
        await conn.execute(
            "UPDATE cases SET agency = $2, agency_at = $3, updated_at = now()"
            " WHERE complaint_id = $1 AND status = 'withdrawn'"
            " AND (agency_at IS NULL OR agency_at <= $3)",
            event.complaint_id, agency, event.occurred_at)


# The response clock the badge shows: the holder's open one, else the latest.
CLOCK = """LEFT JOIN LATERAL (
    SELECT k.due_at, k.state AS clock_state FROM clocks k
    WHERE k.complaint_id = c.complaint_id AND k.target = 'response'
    ORDER BY (k.agency = c.agency) DESC, (k.state IN ('running','paused','breached')) DESC,
             k.state_at DESC LIMIT 1) clk ON true
LEFT JOIN claims cl ON cl.complaint_id = c.complaint_id AND cl.expires_at > $1"""
SELECT = ("SELECT c.*, clk.due_at, clk.clock_state, cl.username AS claimed_by,"
          " cl.expires_at AS claim_expires FROM cases c " + CLOCK)


async def case(pool: asyncpg.Pool, key: str, now: datetime) -> asyncpg.Record | None:
    """One case by complaint id or ticket."""
    return await pool.fetchrow(SELECT + " WHERE c.complaint_id = $2 OR c.ticket = $2 LIMIT 1",
                               now, key)


async def triage_queue(pool: asyncpg.Pool, now: datetime, limit: int = 200
                       ) -> list[asyncpg.Record]:
    """Cases waiting for the center, oldest first; linked duplicates have left the queue."""
    return await pool.fetch(
        SELECT + " WHERE c.status = 'triage' AND c.parent_complaint_id IS NULL"
        " ORDER BY c.received_at NULLS LAST, c.complaint_id LIMIT $2", now, limit)


async def suppressed(pool: asyncpg.Pool, now: datetime, limit: int = 500) -> list[asyncpg.Record]:
    """Recorded-not-answered and out-of-authority items, newest first, with their reasons."""
    return await pool.fetch(SELECT + " WHERE c.status IN ('not_answered', 'external')"
                            " ORDER BY c.received_at DESC NULLS LAST LIMIT $2", now, limit)


async def open_held(pool: asyncpg.Pool, now: datetime, agency: str | None = None,
                    withdrawn_since: datetime | None = None) -> list[asyncpg.Record]:
    """Open cases an agency holds (all agencies when None), soonest deadline first; with
    `withdrawn_since`, also its cases withdrawn since then (last, as no longer due)."""
    return await pool.fetch(
        SELECT + " WHERE (c.status = ANY($3::text[]) OR (c.status = 'withdrawn'"
        " AND c.status_at >= $4)) AND ($2::text IS NULL OR c.agency = $2)"
        " ORDER BY c.status = 'withdrawn', clk.due_at NULLS LAST, c.received_at",
        now, agency, list(HELD), withdrawn_since)


@dataclass(frozen=True)
class Filter:
    """The search form; every field optional."""

    ticket: str | None = None
    text: str | None = None
    channel: str | None = None
    kecamatan: str | None = None
    agency: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def params(self) -> list[Any]:
        like = f"%{self.text}%" if self.text else None
        return [self.ticket, like, self.channel, self.kecamatan, self.agency, self.status,
                self.since, self.until]


async def search(pool: asyncpg.Pool, now: datetime, where: Filter, limit: int = 1000
                 ) -> list[asyncpg.Record]:
    """Cases matching every given field of the filter, newest first."""
    return await pool.fetch(
        SELECT + " WHERE ($2::text IS NULL OR c.ticket = $2)"
        " AND ($3::text IS NULL OR c.text ILIKE $3) AND ($4::text IS NULL OR c.channel = $4)"
        " AND ($5::text IS NULL OR c.kecamatan = $5) AND ($6::text IS NULL OR c.agency = $6)"
        " AND ($7::text IS NULL OR c.status = $7)"
        " AND ($8::timestamptz IS NULL OR c.received_at >= $8)"
        " AND ($9::timestamptz IS NULL OR c.received_at < $9)"
        " ORDER BY c.received_at DESC NULLS LAST LIMIT $10", now, *where.params(), limit)


async def history(pool: asyncpg.Pool, complaint_id: str) -> list[asyncpg.Record]:
    """Every event the console applied for the case, in event time."""
    return await pool.fetch("SELECT * FROM case_events WHERE complaint_id = $1"
                            " ORDER BY occurred_at, event_id", complaint_id)


async def month_counts(pool: asyncpg.Pool, agency: str, since: datetime) -> tuple[int, int]:
    """(on time, late) response clocks of the agency since `since`: met in time vs late/breached."""
    row = await pool.fetchrow(
        "SELECT count(*) FILTER (WHERE state = 'met' AND within_target) AS on_time,"
        " count(*) FILTER (WHERE (state = 'met' AND NOT within_target) OR state = 'breached')"
        " AS late FROM clocks WHERE agency = $1 AND target = 'response'"
        " AND COALESCE(met_at, due_at) >= $2", agency, since)
    return int(row["on_time"]), int(row["late"])
