"""The case registry: one case per (channel, message id), published to Kafka at least once.

A case row is written first (with the event it will publish); the event is sent and the row
marked published. A crash in between leaves an unpublished row whose stored event is sent
again, with the same event id, on the next delivery of the message or at start-up.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import orjson

from schemas.intake import ComplaintReceived
from services.intake.tickets import next_ticket


@dataclass(frozen=True)
class Case:
    complaint_id: str
    ticket: str
    event: ComplaintReceived
    published: bool
    created: bool


def new_complaint_id() -> str:
    return f"c-{uuid.uuid4().hex}"


async def open_case(pool: asyncpg.Pool, prefix: str, now: datetime,
                    build: CaseBuilder) -> Case:
    """Return the case of this channel message, creating it (and its ticket) if new."""
    async with pool.acquire() as conn, conn.transaction():
        existing = await conn.fetchrow(
            "SELECT complaint_id, ticket, event, published_at FROM cases"
            " WHERE channel = $1 AND channel_message_id = $2",
            build.channel, build.channel_message_id)
        if existing is None:
            ticket = await next_ticket(conn, prefix, now.year)
            complaint_id = new_complaint_id()
            event = build(complaint_id, ticket)
            inserted = await conn.fetchrow(
                "INSERT INTO cases (complaint_id, ticket, channel, channel_message_id,"
                " event_id, event) VALUES ($1, $2, $3, $4, $5, $6)"
                " ON CONFLICT (channel, channel_message_id) DO NOTHING RETURNING complaint_id",
                complaint_id, ticket, build.channel, build.channel_message_id, event.event_id,
                event.model_dump_json())
            if inserted is not None:
                return Case(complaint_id, ticket, event, published=False, created=True)
            raise _ConcurrentInsert
    return Case(existing["complaint_id"], existing["ticket"],
                ComplaintReceived.model_validate(orjson.loads(existing["event"])),
                published=existing["published_at"] is not None, created=False)


class _ConcurrentInsert(Exception):
    """Another request inserted the same message first; the caller retries and finds it."""


async def mark_published(pool: asyncpg.Pool, complaint_id: str) -> None:
    await pool.execute(
        "UPDATE cases SET published_at = now() WHERE complaint_id = $1 AND published_at IS NULL",
        complaint_id)


async def unpublished(pool: asyncpg.Pool, limit: int = 1000) -> list[ComplaintReceived]:
    """Cases whose event Kafka never acknowledged (a crash between insert and send)."""
    rows = await pool.fetch(
        "SELECT event FROM cases WHERE published_at IS NULL ORDER BY created_at LIMIT $1", limit)
    return [ComplaintReceived.model_validate(orjson.loads(r["event"])) for r in rows]


class CaseBuilder:
    """Builds the ComplaintReceived for a new case once its id and ticket are known."""

    def __init__(self, channel: str, channel_message_id: str, fields: dict[str, object]) -> None:
        self.channel = channel
        self.channel_message_id = channel_message_id
        self.fields = fields

    def __call__(self, complaint_id: str, ticket: str) -> ComplaintReceived:
        return ComplaintReceived(complaint_id=complaint_id, ticket=ticket, channel=self.channel,
                                 channel_message_id=self.channel_message_id, **self.fields)


async def open_case_retrying(pool: asyncpg.Pool, prefix: str, now: datetime,
                             build: CaseBuilder) -> Case:
    """open_case, retried once when a concurrent delivery of the same message won the insert."""
    try:
        return await open_case(pool, prefix, now, build)
    except _ConcurrentInsert:
        return await open_case(pool, prefix, now, build)
