"""The console's own consumer on the real Kafka: applies each event once, commits after the
database, and parks a record that is not an event of its topic on the topic's .dlq."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import asyncpg

from schemas.routing import ComplaintRedirected
from schemas.topics import RECEIVED, REDIRECTED, SLA, TRIAGE, dead_letter
from services.console.app import MIGRATIONS
from services.console.consumer import ProjectionConsumer, Projector
from services.console.settings import ConsoleSettings
from services.runtime.database import connect, migrate
from services.runtime.producer import EventProducer
from tests.integration.console.conftest import at, new_id
from tests.integration.console.events import received, started, triaged
from tests.support.kafka import Watcher


async def wait_until(check, timeout: float = 60.0):  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = await check()
        if found:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.2)


@dataclass
class Running:
    settings: ConsoleSettings
    pool: asyncpg.Pool
    producer: EventProducer
    consumer: ProjectionConsumer
    failures: list[BaseException] = field(default_factory=list)


@asynccontextmanager
async def running_projection(console_settings: ConsoleSettings, group: str
                             ) -> AsyncIterator[Running]:
    """The console's projection consumer in its own group, its crashes collected."""
    settings = console_settings.model_copy(update={"console_group": group})
    pool = await connect(settings.database_url, "console", max_size=2)
    await migrate(pool, "console", MIGRATIONS)
    producer = EventProducer(settings, client_id=group)
    await producer.start()
    running = Running(settings, pool, producer, ProjectionConsumer(
        settings, Projector(settings, pool, producer), group=group))
    running.consumer.crash = running.failures.append
    await running.consumer.start()
    try:
        yield running
    finally:
        await running.consumer.stop()
        await producer.stop()
        await pool.close()


async def test_events_are_applied_once_and_poison_goes_to_the_dead_letter_topic(
        console_settings: ConsoleSettings) -> None:
    async with running_projection(console_settings, "console-it") as run:
        settings, pool, producer, consumer = run.settings, run.pool, run.producer, run.consumer
        failures = run.failures
        cid = new_id()
        ticket = f"KTP-PRJ-{cid[-6:].upper()}"
        events = [(RECEIVED.name, received(cid, ticket, at(-2))),
                  (TRIAGE.name, triaged(cid, ticket, at(-1.9))),
                  (SLA.name, started(cid, "dlh", at(-1.8))),
                  (REDIRECTED.name, ComplaintRedirected(complaint_id=cid, occurred_at=at(-1),
                                                        ticket=ticket, from_agency="dlh",
                                                        reason="bukan sampah",
                                                        agency_chain=("dlh",)))]
        # Sent twice, the second time before the first is applied: a redelivery.
        await producer.send_many(events + events)
        await producer.send_raw(TRIAGE.name, cid.encode(), b'{"type": "Nonsense"}')

        async def applied() -> bool:
            return await pool.fetchval("SELECT count(*) FROM case_events WHERE complaint_id"
                                       " = $1", cid) == 4
        await wait_until(applied)
        row = await pool.fetchrow("SELECT * FROM cases WHERE complaint_id = $1", cid)
        assert row["ticket"] == ticket and row["status"] == "redirected"
        assert row["last_redirect_reason"] == "bukan sampah" and row["agency_chain"] == ["dlh"]
        async with Watcher(settings, dead_letter(TRIAGE.name)) as watch:
            [parked] = await watch.wait_for(lambda r: r.key == cid.encode())
        assert dict(parked.headers)["dlq.service"] == b"console"

        async def caught_up() -> bool:  # every record sent so far has been handled
            kafka = consumer._consumer
            assert kafka is not None
            parts = list(kafka.assignment())
            ends = await kafka.end_offsets(parts)
            return bool(parts) and all([await kafka.position(tp) >= ends[tp] for tp in parts])
        await wait_until(caught_up)
        assert not failures
        assert await pool.fetchval("SELECT count(*) FROM case_events WHERE complaint_id = $1",
                                   cid) == 4  # the redelivered copies changed nothing
