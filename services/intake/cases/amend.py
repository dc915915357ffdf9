"""Edits, withdrawals and completions of cases already open, as events on complaints.updated.

Each change is stored in the outbox and applied to the citizen's view in one transaction, with
an event id derived from the case and the channel's id of the change, so a redelivered edit or
revoke is recognised and produces nothing new.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from schemas.envelope import Event, derived_id
from schemas.intake import Attachment, ComplaintEdited, ComplaintWithdrawn
from schemas.topics import UPDATED
from services.intake.cases import outbox
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

    outcome: str  # edited, withdrawn, opened, unchanged, duplicate, unknown
    ticket: str | None = None
    complaint_id: str | None = None


@dataclass(frozen=True)
class Known:
    complaint_id: str
    ticket: str
    description: str
    status: str


async def known_case(pool: asyncpg.Pool, channel: str, message_id: str) -> Known | None:
    """The case opened for this channel message, with its current text and status."""
    row = await pool.fetchrow(
        "SELECT c.complaint_id, c.ticket, s.description, s.status FROM cases c"
        " JOIN case_status s USING (complaint_id)"
        " WHERE c.channel = $1 AND c.channel_message_id = $2", channel, message_id)
    return Known(row["complaint_id"], row["ticket"], row["description"], row["status"]) \
        if row else None


async def reporter_identity(pool: asyncpg.Pool, complaint_id: str) -> str | None:
    return await pool.fetchval(  # type: ignore[no-any-return]
        "SELECT r.identity FROM cases c JOIN reporters r USING (reporter_id)"
        " WHERE c.complaint_id = $1", complaint_id)


def masked(text: str) -> str:
    return mask_text(text, ())[:MAX_TEXT]


def edited_event(case: Known, amendment: Amendment, tenant: str, now: datetime,
                 attachments: tuple[Attachment, ...] = ()) -> ComplaintEdited | None:
    """The edit's event, or None when the new text is what the case already says."""
    text = masked(amendment.text or "")
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
    """Edit or withdraw the case of the amended message; an unknown message's edit opens it."""
    case = await known_case(state.pool, amendment.channel.value, amendment.target)
    channel = amendment.channel.value
    if case is not None and amendment.reporter_identity is not None and \
            await reporter_identity(state.pool, case.complaint_id) != amendment.reporter_identity:
        case = None  # someone else's "correction" is a message of its own, not an edit
    if case is None:
        if amendment.kind == "edit" and amendment.opens is not None:
            opened, _ = await accept(state, amendment.opens, now)
            CHANNEL_ITEMS.labels(channel=channel, outcome="edit_opened").inc()
            return Amended("opened", opened.ticket, opened.complaint_id)
        # A revoke of a message we never kept (ignored, or from before we listened).
        CHANNEL_ITEMS.labels(channel=channel, outcome="amend_unknown").inc()
        return Amended("unknown")
    event: Event | None
    if amendment.kind == "withdraw":
        event = withdrawn_event(case, amendment, state.settings.tenant, now)
    else:
        event = edited_event(case, amendment, state.settings.tenant, now)
    if event is None:
        return Amended("unchanged", case.ticket, case.complaint_id)
    new = await record(state, event)
    outcome = ("withdrawn" if amendment.kind == "withdraw" else "edited") if new \
        else "duplicate"
    CHANNEL_ITEMS.labels(channel=channel, outcome=outcome).inc()
    if new:
        log.info("case %s complaint_id=%s ticket=%s", outcome, case.complaint_id, case.ticket)
    return Amended(outcome, case.ticket, case.complaint_id)
