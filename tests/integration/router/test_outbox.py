"""A send cut off between Kafka's acknowledgement and the outbox mark completes once, on redelivery.

The kill -9 test shows the common case (handled, sent, offset not committed). This pins down the
narrow one: the process dies after some outputs reached Kafka and before the mark; the
redelivered input must send only what Kafka does not have.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from schemas.intake import ComplaintReceived
from schemas.topics import ASSIGNED, agency_topic, catalogue
from services.router.app import MIGRATIONS, SCHEMA
from services.router.handlers import RouterHandlers
from services.router.outbox import KafkaLookup, Outbox
from services.router.rules import load_rules
from services.router.settings import RouterSettings
from services.runtime.database import connect, migrate
from services.runtime.producer import EventProducer, Outgoing
from services.runtime.settings import RuntimeSettings
from tests.integration.router.conftest import complaint, settle
from tests.support.kafka import Watcher


class Killed(Exception):
    """Stands for the process dying at this point."""


class DiesAfterFirstSend(EventProducer):
    """The real producer, cut off after the first record of a batch is acknowledged."""

    async def send_many(self, outgoing: Iterable[Outgoing], raw: Iterable[Any] = ()) -> None:
        first, *_ = list(outgoing)
        await super().send_many([first])
        raise Killed


async def handle(handlers: RouterHandlers, producer: EventProducer,
                 events: list[ComplaintReceived]) -> list[Outgoing]:
    """What the batch loop does: handle, send everything, mark sent (then it would ack)."""
    outputs = list(await handlers.route_complaints(events))
    await producer.send_many(outputs)
    await handlers.mark_sent(events)
    return outputs


async def test_interrupted_send_resumes_with_only_the_missing_outputs(
        stack: RuntimeSettings) -> None:
    settings = RouterSettings(topic_prefix=stack.topic_prefix)
    directory = settings.directory()
    rules = load_rules(settings.rules_path(), directory)
    partitions = {s.name: s.partitions for s in catalogue(directory)}
    pool = await connect(settings.database_url, SCHEMA, max_size=2)
    dying = DiesAfterFirstSend(settings, client_id="it-outbox-dying")
    healthy = EventProducer(settings, client_id="it-outbox")
    lookup = KafkaLookup(settings, partitions)
    # A text of this test's own: an open near-duplicate from another test of the session
    # would add a ComplaintLinked to the outputs.
    road = complaint("aspal jalan poros Dusun Sungai Besar retak memanjang dan amblas sebelah, "
                     "truk sawit sering terperosok")
    try:
        await migrate(pool, SCHEMA, MIGRATIONS)
        await dying.start()
        await healthy.start()
        before = RouterHandlers(rules, directory, scope=stack.topic_prefix)
        before.pool, before.outbox = pool, Outbox(lookup, partitions)
        after = RouterHandlers(rules, directory, scope=stack.topic_prefix)
        after.pool, after.outbox = pool, Outbox(lookup, partitions)
        async with Watcher(stack, ASSIGNED.name, agency_topic("dinas-pupr")) as watch:
            try:
                await handle(before, dying, [road])
            except Killed:
                pass
            resumed = await handle(after, healthy, [road])  # the redelivery after restart
            assert len(resumed) == 1  # only what Kafka lacked
            # and once more: already sent, nothing to do
            assert await handle(after, healthy, [road]) == []
            await settle(watch, ASSIGNED.name, agency_topic("dinas-pupr"))
            on_case = [e for e in watch.events(ASSIGNED.name)
                       if e.complaint_id == road.complaint_id]
            on_agency = [e for e in watch.events(agency_topic("dinas-pupr"))
                         if e.complaint_id == road.complaint_id]
    finally:
        await lookup.stop()
        await dying.stop()
        await healthy.stop()
        await pool.close()
    assert len(on_case) == 1 and len(on_agency) == 1
    assert on_case[0].event_id == on_agency[0].event_id


async def test_redelivered_batch_produces_no_duplicates(stack: RuntimeSettings) -> None:
    """A batch sent but not marked (killed before the mark and the ack) comes back mixed with
    new inputs and repeats: only the new ones are decided and sent, each exactly once."""
    settings = RouterSettings(topic_prefix=stack.topic_prefix)
    directory = settings.directory()
    rules = load_rules(settings.rules_path(), directory)
    partitions = {s.name: s.partitions for s in catalogue(directory)}
    pool = await connect(settings.database_url, SCHEMA, max_size=2)
    producer = EventProducer(settings, client_id="it-outbox-batch")
    lookup = KafkaLookup(settings, partitions)
    first = [complaint(f"jalan kabupaten rusak parah di Desa Kepari nomor {n}") for n in range(8)]
    more = [complaint(f"lampu jalan mati di Desa Sukadana tiang {n}") for n in range(4)]
    try:
        await migrate(pool, SCHEMA, MIGRATIONS)
        await producer.start()
        handlers = RouterHandlers(rules, directory, scope=stack.topic_prefix)
        handlers.pool, handlers.outbox = pool, Outbox(lookup, partitions)
        async with Watcher(stack, ASSIGNED.name) as watch:
            sent = await handlers.route_complaints(first)
            await producer.send_many(sent)  # durable, but the process dies before the mark
            redelivered = first + more + first[:3]  # the batch again, new inputs, repeats
            resumed = await handle(handlers, producer, redelivered)
            again = await handle(handlers, producer, redelivered)
            await settle(watch, ASSIGNED.name)
            assigned = [e.complaint_id for e in watch.events(ASSIGNED.name)]
    finally:
        await lookup.stop()
        await producer.stop()
        await pool.close()
    ours = {e.complaint_id for e in first + more}
    routed = [c for c in assigned if c in ours]
    assert sorted(routed) == sorted(ours)  # every case once on complaints.assigned
    assert {e.complaint_id for _, e in resumed} <= {e.complaint_id for e in more}
    assert again == []
