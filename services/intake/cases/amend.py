"""Edits, withdrawals and completions of cases already open, as events on complaints.updated.

Each change is stored in the outbox and applied to the citizen's view in one transaction, with
an event id derived from the case and the channel's id of the change, so a redelivered edit or
revoke is recognised and produces nothing new. A change of a message not seen yet is kept
(services/intake/cases/pending.py) and applied when that message opens its case.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from schemas.envelope import Event, derived_id
from schemas.intake import Attachment, ComplaintEdited, ComplaintSubmission, ComplaintWithdrawn
from schemas.topics import UPDATED
from services.intake.cases import outbox, pending
from services.intake.cases.accept import accept
from services.intake.cases.masking import mask_text
from services.intake.channels.inbound import MAX_TEXT, Amendment
from services.intake.metrics import CHANNEL_ITEMS
from services.intake.state import IntakeState
from services.intake.status import store as status_store
from services.intake.status import withdrawals
from services.intake.status.projection import change_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Amended:
    """What became of one edit or withdrawal."""

    outcome: str  # edited, withdrawn, opened, unchanged, duplicate, pending, unknown
    ticket: str | None = None
    complaint_id: str | None = None


@dataclass(frozen=True)
class Known:
    complaint_id: str
    ticket: str
    description: str
    status: str
    reporter_name: str | None = None  # as the registry knows it, masked in every edit


async def known_case(pool: asyncpg.Pool, channel: str, message_id: str) -> Known | None:
    """The case opened for this channel message, with its current text, status and the name
    of its reporter."""
    row = await pool.fetchrow(
        "SELECT c.complaint_id, c.ticket, s.description, s.status, r.name FROM cases c"
        " JOIN case_status s USING (complaint_id)"
        " LEFT JOIN reporters r ON r.reporter_id = c.reporter_id"
        " WHERE c.channel = $1 AND c.channel_message_id = $2", channel, message_id)
    return Known(row["complaint_id"], row["ticket"], row["description"], row["status"],
                 row["name"]) if row else None


async def reporter_identity(pool: asyncpg.Pool, complaint_id: str) -> str | None:
    return await pool.fetchval(  # type: ignore[no-any-return]
        "SELECT r.identity FROM cases c JOIN reporters r USING (reporter_id)"
        " WHERE c.complaint_id = $1", complaint_id)


def masked(text: str, names: tuple[str, ...] = ()) -> str:
    return mask_text(text, names)[:MAX_TEXT]


def edit_names(case: Known, amendment: Amendment) -> tuple[str, ...]:
    """The reporter's names an edit's text is masked with, as the original's was: the
    registered one and the one the edit came with ("Saya Rina ..." again in the new text)."""
    now_named = amendment.opens.reporter.name if amendment.opens else None
    return tuple(dict.fromkeys(n for n in (case.reporter_name, now_named) if n))


def edited_event(case: Known, amendment: Amendment, tenant: str, now: datetime,
                 attachments: tuple[Attachment, ...] = ()) -> ComplaintEdited | None:
    """The edit's event, or None when the new text is what the case already says."""
    text = masked(amendment.text or "", edit_names(case, amendment))
    if not text or text == case.description:
        return None
    return ComplaintEdited(
        event_id=derived_id(case.complaint_id, "edited", amendment.change_id), tenant=tenant,
        complaint_id=case.complaint_id, occurred_at=now, ticket=case.ticket,
        channel=amendment.channel, channel_message_id=amendment.target,
        edit_id=amendment.change_id, text=text, attachments=attachments,
        edited_at=amendment.occurred_at)


def withdrawn_event(case: Known, amendment: Amendment, tenant: str,
                    now: datetime) -> ComplaintWithdrawn:
    return ComplaintWithdrawn(
        event_id=derived_id(case.complaint_id, "withdrawn", amendment.change_id),
        tenant=tenant, complaint_id=case.complaint_id, occurred_at=now, ticket=case.ticket,
        channel=amendment.channel, channel_message_id=amendment.target,
        reason=(amendment.reason or "withdrawn")[:200], withdrawn_at=amendment.occurred_at)


async def record(state: IntakeState, event: Event) -> bool:
    """Store the event with its effect on the citizen's view, then make it durable in Kafka.

    Returns False when the same event was recorded before (its sending is still completed).
    """
    change = change_for(event)
    async with state.pool.acquire() as conn, conn.transaction():
        new = await conn.fetchval("SELECT true FROM outbox WHERE event_id = $1",
                                  event.event_id) is None
        if new:
            # Read before the withdrawal is applied: it changes the status that names the holder.
            told = withdrawals.agency_notices(
                [event], await withdrawals.holders(conn, [event]), state.center
            ) if isinstance(event, ComplaintWithdrawn) else []
            await outbox.store(conn, [(UPDATED.name, event), *told])
            if change is not None and await status_store.mark_applied(conn, event):
                await status_store.apply(conn, event, change)
    await outbox.publish_case(state.pool, state.producer, event.complaint_id)
    return new


async def apply_amendment(state: IntakeState, amendment: Amendment, now: datetime) -> Amended:
    """Edit or withdraw the case of the amended message; an unknown message's edit opens it,
    any other change of it waits for the message (pending)."""
    case = await known_case(state.pool, amendment.channel.value, amendment.target)
    channel = amendment.channel.value
    if case is not None and amendment.reporter_identity is not None and \
            await reporter_identity(state.pool, case.complaint_id) != amendment.reporter_identity:
        # Someone else's "correction" is a message of its own, not an edit.
        if amendment.kind == "edit" and amendment.opens is not None:
            return await _open(state, amendment.opens, channel, now)
        CHANNEL_ITEMS.labels(channel=channel, outcome="amend_refused").inc()
        log.warning("a %s of %s's message by another sender refused (complaint_id=%s)",
                    amendment.kind, channel, case.complaint_id)
        return Amended("unknown")
    kept = False
    if case is None:
        if amendment.kind == "edit" and amendment.opens is not None:
            return await _open(state, amendment.opens, channel, now)
        # Before its message (Meta does not keep order): kept until the message opens a case.
        await pending.keep(state.pool, amendment)
        kept = True
        # A concurrent delivery may have opened it since we looked; one of us sees the other.
        case = await known_case(state.pool, channel, amendment.target)
        if case is None:
            CHANNEL_ITEMS.labels(channel=channel, outcome="amend_pending").inc()
            return Amended("pending")
    event: Event | None
    if amendment.kind == "withdraw":
        event = withdrawn_event(case, amendment, state.settings.tenant, now)
    else:
        event = edited_event(case, amendment, state.settings.tenant, now)
    if event is None:
        if kept:
            await pending.done(state.pool, amendment)
        return Amended("unchanged", case.ticket, case.complaint_id)
    new = await record(state, event)
    if kept:
        await pending.done(state.pool, amendment)
    outcome = ("withdrawn" if amendment.kind == "withdraw" else "edited") if new \
        else "duplicate"
    CHANNEL_ITEMS.labels(channel=channel, outcome=outcome).inc()
    if new:
        log.info("case %s complaint_id=%s ticket=%s", outcome, case.complaint_id, case.ticket)
    return Amended(outcome, case.ticket, case.complaint_id)


async def _open(state: IntakeState, opens: ComplaintSubmission, channel: str,
                now: datetime) -> Amended:
    opened, _ = await accept(state, opens, now)
    CHANNEL_ITEMS.labels(channel=channel, outcome="edit_opened").inc()
    return Amended("opened", opened.ticket, opened.complaint_id)


async def apply_waiting(state: IntakeState, submissions: Sequence[ComplaintSubmission],
                        now: datetime) -> list[Amended]:
    """Apply the edits and withdrawals that came before these messages, now that their cases
    are open: a revoke withdraws the case just opened, an edit follows it (one query when
    nothing waits). Called after the cases are stored, on redeliveries too, so a crash
    between the two is completed by Meta's retry."""
    applied = []
    keys = [(s.channel.value, s.channel_message_id) for s in submissions]
    for amendment in await pending.waiting(state.pool, keys):
        done = await apply_amendment(state, amendment, now)
        if done.outcome != "pending":
            await pending.done(state.pool, amendment)
            applied.append(done)
    return applied
