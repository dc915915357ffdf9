"""The case registry: one case per (channel, message id), its events stored in the outbox.

The case row, its reporter, its status seed and every event it will publish are written in
one transaction; the events are sent afterwards (services/intake/cases/outbox.py). A crash in
between leaves unpublished outbox rows, sent again with the same event ids on the next
delivery of the message, by the background sweep, or at start-up.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import asyncpg
import orjson

from schemas.enums import NotificationChannel
from schemas.intake import ComplaintReceived
from schemas.topics import RECEIVED
from services.intake.cases import outbox, reporters
from services.intake.cases.reporters import Identity
from services.intake.cases.tickets import next_ticket, next_tickets
from services.intake.channels.inbound import Deferred
from services.intake.enrichment import store as enrichments
from services.intake.status import store as status_store
from services.intake.status.notices import Contact
from services.runtime.producer import Outgoing


@dataclass(frozen=True)
class Case:
    complaint_id: str
    ticket: str
    event: ComplaintReceived
    pending: bool  # some of its events are not yet acknowledged by Kafka
    created: bool


@dataclass(frozen=True)
class CasePlan:
    """What a new case publishes and whom it notifies, once its id and ticket exist."""

    received: ComplaintReceived
    follow_ups: list[Outgoing]
    contact: Contact


@dataclass(frozen=True)
class NewCase:
    channel: str
    channel_message_id: str
    identity: Identity | None
    # (complaint_id, ticket, reporter_id) -> plan; pure, called inside the transaction.
    plan: Callable[[str, str, str | None], CasePlan]
    # Look-ups scheduled with the case (a failed mention read, media to download), so a case
    # never exists without them; a redelivery finds the case and schedules nothing.
    deferred: tuple[Deferred, ...] = ()


class _ConcurrentInsert(Exception):
    """Another request inserted the same message first; the caller retries and finds it."""


def new_complaint_id() -> str:
    return f"c-{uuid.uuid4().hex}"


_EXISTING = """
SELECT c.complaint_id, c.ticket, c.event,
       EXISTS (SELECT 1 FROM outbox o WHERE o.complaint_id = c.complaint_id
               AND o.published_at IS NULL) AS pending
FROM cases c WHERE c.channel = $1 AND c.channel_message_id = $2
"""

_INSERT = """
INSERT INTO cases (complaint_id, ticket, channel, channel_message_id, event_id, event,
                   reporter_id, notify_channel, recipient, reply_context)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (channel, channel_message_id) DO NOTHING RETURNING complaint_id
"""


async def open_case(pool: asyncpg.Pool, prefix: str, year: int, new: NewCase) -> Case:
    """Return the case of this channel message, creating it (and its ticket) if new."""
    # Redeliveries are common (Meta retries until it gets a 2xx), so they cost one query; a
    # message that arrives twice at once is caught by the insert's unique key instead.
    existing = await pool.fetchrow(_EXISTING, new.channel, new.channel_message_id)
    if existing is not None:
        event = ComplaintReceived.model_validate(orjson.loads(existing["event"]))
        return Case(existing["complaint_id"], existing["ticket"], event,
                    pending=existing["pending"], created=False)
    async with pool.acquire() as conn, conn.transaction():
        reporter_id = await reporters.register(conn, new.identity) if new.identity else None
        ticket = await next_ticket(conn, prefix, year)
        complaint_id = new_complaint_id()
        plan = new.plan(complaint_id, ticket, reporter_id)
        received, contact = plan.received, plan.contact
        inserted = await conn.fetchval(
            _INSERT, complaint_id, ticket, new.channel, new.channel_message_id,
            received.event_id, received.model_dump_json(), reporter_id,
            contact.channel.value if contact.channel else None, contact.recipient,
            orjson.dumps(contact.context).decode())
        if inserted is None:
            raise _ConcurrentInsert  # rolls back the reporter update (the number is skipped)
        await outbox.store(conn, [(RECEIVED.name, received), *plan.follow_ups])
        await status_store.seed(conn, received)
        await enrichments.schedule_in(conn, complaint_id, new.deferred)
    return Case(complaint_id, ticket, received, pending=True, created=True)


async def open_case_retrying(pool: asyncpg.Pool, prefix: str, year: int,
                             new: NewCase) -> Case:
    """open_case, retried once when a concurrent delivery of the same message won the insert."""
    try:
        return await open_case(pool, prefix, year, new)
    except _ConcurrentInsert:
        return await open_case(pool, prefix, year, new)


async def contacts_of(conn: asyncpg.Connection, complaint_ids: Sequence[str]
                      ) -> dict[str, tuple[str, Contact]]:
    """contact_of for several cases, in one query."""
    rows = await conn.fetch("SELECT complaint_id, ticket, notify_channel, recipient,"
                            " reply_context FROM cases WHERE complaint_id = ANY($1::text[])",
                            list(set(complaint_ids)))
    return {r["complaint_id"]: (r["ticket"], Contact(
        NotificationChannel(r["notify_channel"]) if r["notify_channel"] else None,
        r["recipient"], orjson.loads(r["reply_context"]))) for r in rows}


async def contact_of(conn: asyncpg.Connection, complaint_id: str) -> tuple[str, Contact] | None:
    """The ticket and stored contact of a case, for notices about it."""
    row = await conn.fetchrow("SELECT ticket, notify_channel, recipient, reply_context"
                              " FROM cases WHERE complaint_id = $1", complaint_id)
    if row is None:
        return None
    channel = row["notify_channel"]
    return row["ticket"], Contact(NotificationChannel(channel) if channel else None,
                                  row["recipient"], orjson.loads(row["reply_context"]))


_FIND_MANY = """
SELECT c.channel, c.channel_message_id, c.complaint_id, c.ticket, c.event,
       EXISTS (SELECT 1 FROM outbox o WHERE o.complaint_id = c.complaint_id
               AND o.published_at IS NULL) AS pending
FROM cases c JOIN unnest($1::text[], $2::text[]) AS m(channel, message_id)
  ON c.channel = m.channel AND c.channel_message_id = m.message_id
"""

_INSERT_MANY = """
INSERT INTO cases (complaint_id, ticket, channel, channel_message_id, event_id, event,
                   reporter_id, notify_channel, recipient, reply_context)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::jsonb[],
                     $7::text[], $8::text[], $9::text[], $10::jsonb[])
ON CONFLICT (channel, channel_message_id) DO NOTHING RETURNING complaint_id
"""

MessageKey = tuple[str, str]  # (channel, channel message id)


async def find_cases(pool: asyncpg.Pool, keys: Sequence[MessageKey]) -> dict[MessageKey, Case]:
    """The cases these messages opened already, in one query."""
    rows = await pool.fetch(_FIND_MANY, [k[0] for k in keys], [k[1] for k in keys])
    return {(r["channel"], r["channel_message_id"]): Case(
        r["complaint_id"], r["ticket"],
        ComplaintReceived.model_validate(orjson.loads(r["event"])),
        pending=r["pending"], created=False) for r in rows}


async def create_cases(pool: asyncpg.Pool, prefix: str, year: int, news: Sequence[NewCase]
                       ) -> list[Case | None]:
    """Open these new messages' cases in one transaction (set-based statements).

    None for a message another request or process inserted first: the caller finds it.
    """
    async with pool.acquire() as conn, conn.transaction():
        ids = await reporters.register_many(conn, [n.identity for n in news if n.identity])
        tickets = await next_tickets(conn, prefix, year, len(news))
        plans = [n.plan(new_complaint_id(), ticket, ids[n.identity.key] if n.identity else None)
                 for n, ticket in zip(news, tickets, strict=True)]
        columns: list[list[object]] = [[] for _ in range(10)]
        for n, plan in zip(news, plans, strict=True):
            received, contact = plan.received, plan.contact
            row = (received.complaint_id, received.ticket, n.channel, n.channel_message_id,
                   received.event_id, received.model_dump_json(),
                   ids[n.identity.key] if n.identity else None,  # also for an anonymous one
                   contact.channel.value if contact.channel else None, contact.recipient,
                   orjson.dumps(contact.context).decode())
            for column, value in zip(columns, row, strict=True):
                column.append(value)
        inserted = {r["complaint_id"] for r in await conn.fetch(_INSERT_MANY, *columns)}
        made = [p for p in plans if p.received.complaint_id in inserted]
        await outbox.store(conn, [o for p in made
                                  for o in [(RECEIVED.name, p.received), *p.follow_ups]])
        await status_store.seed_many(conn, [p.received for p in made])
        await enrichments.schedule_many(conn, [
            (plan.received.complaint_id, n.deferred) for n, plan in zip(news, plans, strict=True)
            if plan.received.complaint_id in inserted])
    return [Case(p.received.complaint_id, p.received.ticket, p.received, pending=True,
                 created=True) if p.received.complaint_id in inserted else None for p in plans]
