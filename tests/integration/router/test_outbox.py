"""A send cut off between Kafka's acknowledgement and the outbox mark completes once, on redelivery.

The kill -9 test shows the common case (handled, sent, offset not committed). This pins down the
narrow one: the process dies after some outputs reached Kafka and before the mark; the
redelivered input must send only what Kafka does not have.
"""

from __future__ import annotations

from collections.abc import Iterable

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

    async def send_many(self, outgoing: Iterable[Outgoing]) -> None:
        first, *_ = list(outgoing)
        await super().send_many([first])
        raise Killed


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
    road = complaint("jalan kabupaten rusak parah, lubang besar di tikungan Desa Kepari")
    try:
        await migrate(pool, SCHEMA, MIGRATIONS)
        await dying.start()
        await healthy.start()
        before = RouterHandlers(rules, directory, scope=stack.topic_prefix)
        before.pool, before.outbox = pool, Outbox(dying, lookup)
        after = RouterHandlers(rules, directory, scope=stack.topic_prefix)
        after.pool, after.outbox = pool, Outbox(healthy, lookup)
        async with Watcher(stack, ASSIGNED.name, agency_topic("dinas-pupr")) as watch:
            try:
                await before.route_complaint(road)
            except Killed:
                pass
            await after.route_complaint(road)  # the redelivery after restart
            await after.route_complaint(road)  # and once more: already sent, nothing to do
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
