"""Open questions to citizens about resolutions, and their answers, in intake's PostgreSQL.

A resolution opens a question (one per case and round); the citizen's reply on their channel
or on the status page answers it once; a sweep closes the questions nobody answered in time.
Every change is written with its events into the outbox in one transaction.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

import asyncpg
import orjson

from schemas.intake import ComplaintReceived, ComplaintSubmission
from schemas.responses import ComplaintResolved
from services.intake.cases import outbox
from services.intake.cases.masking import mask_text
from services.intake.cases.registry import Case, contact_of
from services.intake.cases.reporters import identify
from services.intake.metrics import VERDICTS
from services.intake.state import IntakeState
from services.intake.status.verdicts import (
    OpenQuestion,
    Verdict,
    ask,
    decide,
    expire,
    parse_reply,
    verdict_code,
)
from services.runtime.producer import Outgoing

log = logging.getLogger(__name__)

_OPEN = """
INSERT INTO verdict_questions (complaint_id, ticket, agency, round, reporter_id, asked_at,
                               answer_by)
SELECT c.complaint_id, c.ticket, $2, 1, c.reporter_id, $3, $4 FROM cases c
WHERE c.complaint_id = $1
ON CONFLICT (complaint_id) DO UPDATE SET
    round = verdict_questions.round + 1, agency = EXCLUDED.agency, asked_at = EXCLUDED.asked_at,
    answer_by = EXCLUDED.answer_by, outcome = NULL, answered_by = NULL, answered_at = NULL
WHERE verdict_questions.outcome = 'not_solved'
RETURNING round
"""
_QUESTION = "SELECT complaint_id, ticket, agency, round, answer_by FROM verdict_questions"


def _question(row: asyncpg.Record) -> OpenQuestion:
    return OpenQuestion(row["complaint_id"], row["ticket"], row["agency"], row["round"],
                        row["answer_by"])


async def verdict_secret(conn: asyncpg.Connection, state: IntakeState) -> bytes:
    """The key of the status page's verdict codes: configured, else made once and kept here."""
    configured = state.settings.intake_verdict_secret
    if configured is not None:
        return configured.get_secret_value().encode()
    await conn.execute("INSERT INTO intake_secrets (name, value) VALUES ('verdict', $1)"
                       " ON CONFLICT (name) DO NOTHING", secrets.token_bytes(32))
    return bytes(await conn.fetchval("SELECT value FROM intake_secrets WHERE name = 'verdict'"))


async def on_resolved(conn: asyncpg.Connection, state: IntakeState,
                      event: ComplaintResolved) -> list[Outgoing]:
    """Open the question for this resolution (a new round after a re-opening) and ask it."""
    window = timedelta(hours=state.settings.intake_verdict_window_hours)
    round_ = await conn.fetchval(_OPEN, event.complaint_id, event.agency, event.occurred_at,
                                 event.occurred_at + window)
    found = await contact_of(conn, event.complaint_id) if round_ else None
    if found is None:
        return []  # a case this intake did not open, or a question already asked
    ticket, contact = found
    code = verdict_code(await verdict_secret(conn, state), event.complaint_id, round_)
    return ask(event, ticket, round_, contact, code, window)


async def _answer(state: IntakeState, conn: asyncpg.Connection, question: OpenQuestion,
                  verdict: Verdict, via: str, marker: str, now: datetime) -> bool:
    outcome = "solved" if verdict.solved else "not_solved"
    done = await conn.fetchval(
        "UPDATE verdict_questions SET outcome = $3, answered_by = $4, answered_at = $5"
        " WHERE complaint_id = $1 AND round = $2 AND outcome IS NULL RETURNING 1",
        question.complaint_id, question.round, outcome, marker, now)
    if done is None:
        return False  # answered meanwhile, or closed by the sweep
    masked = Verdict(verdict.solved, verdict.rating, mask_text(verdict.reason))
    await outbox.store(conn, decide(question, masked, via, now, state.center,
                                    state.settings.tenant))
    VERDICTS.labels(via=via, outcome=outcome).inc()
    return True


async def take_reply(state: IntakeState, submission: ComplaintSubmission,
                     now: datetime) -> Case | None:
    """The case a citizen's "1"/"2" answers, recorded; None when the message is a complaint."""
    verdict = parse_reply(submission.text)
    identity = identify(submission) if verdict else None
    if verdict is None or identity is None:
        return None
    marker = f"{submission.channel.value}:{submission.channel_message_id}"
    async with state.pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(f"{_QUESTION} WHERE answered_by = $1", marker)
        if row is None:  # not a redelivery of an answer: is a question open for this citizen?
            row = await conn.fetchrow(
                f"{_QUESTION} q JOIN reporters r USING (reporter_id) WHERE r.identity = $1"
                " AND q.outcome IS NULL AND q.answer_by > $2 ORDER BY q.asked_at DESC LIMIT 1",
                identity.key, now)
            if row is None or not await _answer(state, conn, _question(row), verdict, "reply",
                                                marker, now):
                return None
        event = await conn.fetchval("SELECT event FROM cases WHERE complaint_id = $1",
                                    row["complaint_id"])
    await outbox.publish_case(state.pool, state.producer, row["complaint_id"])
    received = ComplaintReceived.model_validate(orjson.loads(event))
    return Case(row["complaint_id"], row["ticket"], received, pending=False, created=False)


async def answer_on_page(state: IntakeState, ticket: str, code: str, verdict: Verdict,
                         now: datetime) -> str:
    """A verdict from the status page: 'accepted', 'answered' (already), or 'refused'."""
    async with state.pool.acquire() as conn, conn.transaction():
        secret = await verdict_secret(conn, state)
        row = await conn.fetchrow(
            "SELECT complaint_id, ticket, agency, round, answer_by, outcome"
            " FROM verdict_questions WHERE ticket = $1", ticket)
        if row is None or code != verdict_code(secret, row["complaint_id"], row["round"]):
            return "refused"
        if row["outcome"] is not None:
            return "answered"
        if row["answer_by"] <= now:
            return "refused"
        ok = await _answer(state, conn, _question(row), verdict, "status_page",
                           f"page:{row['complaint_id']}:{row['round']}", now)
    if ok:
        await outbox.publish_case(state.pool, state.producer, row["complaint_id"])
    return "accepted" if ok else "answered"


async def close_unanswered(state: IntakeState, now: datetime, limit: int = 500) -> int:
    """Close the questions whose window has passed; returns how many were closed."""
    async with state.pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            "UPDATE verdict_questions SET outcome = 'no_reply', answered_at = $1"
            " WHERE complaint_id IN (SELECT complaint_id FROM verdict_questions"
            "  WHERE outcome IS NULL AND answer_by <= $1 ORDER BY answer_by LIMIT $2"
            "  FOR UPDATE SKIP LOCKED)"
            " RETURNING complaint_id, ticket, agency, round, answer_by", now, limit)
        for row in rows:
            await outbox.store(conn, expire(_question(row), now, state.settings.tenant))
    for row in rows:
        await outbox.publish_case(state.pool, state.producer, row["complaint_id"])
    if rows:
        VERDICTS.labels(via="window", outcome="no_reply").inc(len(rows))
        log.info("closed %s resolved case(s) the citizens did not answer in time", len(rows))
    return len(rows)
