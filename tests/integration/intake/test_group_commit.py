"""Group commit on the real stack: concurrent cases share a transaction, each answer is its own.

Drives CaseGroups directly (no HTTP): many new messages at once, repeats of the same message
inside one group, a message the database refuses, and a redelivery of the whole group.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

import asyncpg
import pytest

from schemas.envelope import utcnow
from schemas.intake import ComplaintSubmission
from schemas.topics import RECEIVED
from services.intake.cases.accept import new_case
from services.intake.cases.group import CaseGroups
from services.intake.cases.registry import Case
from services.runtime.producer import EventProducer
from services.runtime.settings import RuntimeSettings
from tests.integration.intake.topic_end import caught_up
from tests.support.kafka import Watcher


def submission(message_id: str) -> ComplaintSubmission:
    return ComplaintSubmission.model_validate({
        "channel": "whatsapp", "channel_message_id": message_id,
        "text": "Lampu jalan mati di Jl. Gajah Mada",
        "reporter": {"phone": "6281390417726", "name": "Rahmat"}})


@pytest.fixture
async def groups(stack: RuntimeSettings, intake_pool: asyncpg.Pool) -> AsyncIterator[CaseGroups]:
    producer = EventProducer(stack, client_id="it-group-commit")
    await producer.start()
    batcher = CaseGroups(intake_pool, producer)
    yield batcher
    await batcher.stop()
    await producer.stop()


async def open_all(groups: CaseGroups, subs: list[ComplaintSubmission],
                   refused: str | None = None) -> list[Case | BaseException]:
    """Open every submission's case at once; `refused`: one more message the database
    cannot store (a NUL in a text column; the schemas strip them, so it is made here)."""
    now = utcnow()
    news = [new_case(s, "ketapang", "diskominfo", now) for s in subs]
    if refused is not None:
        news.append(replace(news[0], channel_message_id=refused))
    return await asyncio.gather(*(groups.open("KTP", now.year, n) for n in news),
                                return_exceptions=True)


async def test_concurrent_cases_share_groups_and_each_gets_its_own_case(
        groups: CaseGroups, intake_pool: asyncpg.Pool, watch: Watcher) -> None:
    run = uuid.uuid4().hex
    ids = [f"wamid.group-{run}-{n}" for n in range(40)]
    subs = [submission(i) for i in ids] + [submission(ids[0]), submission(ids[1])]
    answers = await open_all(groups, subs, refused=f"wamid.group-{run}-\x00")
    cases = [a for a in answers[:42] if isinstance(a, Case)]
    assert len(cases) == 42
    assert isinstance(answers[42], asyncpg.PostgresError)
    by_message = {i: c for i, c in zip(ids, cases, strict=False)}
    assert cases[40].complaint_id == by_message[ids[0]].complaint_id  # the repeat: same case
    assert cases[41].complaint_id == by_message[ids[1]].complaint_id
    assert sum(c.created for c in cases) == 40 and not any(c.pending for c in cases)
    assert len({c.ticket for c in cases[:40]}) == 40  # a ticket each
    stored = await intake_pool.fetchval(
        "SELECT count(*) FROM cases WHERE channel_message_id = ANY($1::text[])", ids)
    assert stored == 40
    unpublished = await intake_pool.fetchval(
        "SELECT count(*) FROM outbox o JOIN cases c USING (complaint_id)"
        " WHERE c.channel_message_id = ANY($1::text[]) AND o.published_at IS NULL", ids)
    assert unpublished == 0

    again = await open_all(groups, [submission(i) for i in ids])  # the channel redelivers
    assert all(isinstance(a, Case) and not a.created for a in again)
    assert [a.complaint_id for a in again] == [  # type: ignore[union-attr]
        by_message[i].complaint_id for i in ids]
    wanted = {c.complaint_id for c in cases}
    await watch.wait_event(RECEIVED.name, lambda e: e.complaint_id in wanted, count=40)
    await caught_up(watch, RECEIVED.name)
    received = [e.complaint_id for e in watch.events(RECEIVED.name) if e.complaint_id in wanted]
    assert sorted(received) == sorted(wanted)  # each exactly once in Kafka
