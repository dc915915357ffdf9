"""Sending what a handled input caused, exactly once per output even across a kill -9.

Outputs are stored with the input's idempotency record before they are sent, and a batch's
records are marked sent once Kafka acknowledged them all. A crash between the acknowledgement
and the mark leaves them unsent; when the inputs are redelivered, their stored outputs are
looked up in the partitions their keys map to (each partition read once per batch), and only
the ones Kafka does not have are sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import Counter

from services.runtime.kafka_security import kafka_client_options
from services.runtime.partitioning import partition_of
from services.runtime.producer import Outgoing
from services.runtime.settings import RuntimeSettings

log = logging.getLogger(__name__)
RECOVERED = Counter("router_outbox_recovered_total",
                    "Outputs of an interrupted send, by what the lookup found", ["outcome"])
# Producer and database clocks differ; look a little further back than the record's time.
CLOCK_SLACK = timedelta(minutes=5)


class KafkaLookup:
    """Finds whether an event with a given id is already in its topic partition."""

    def __init__(self, settings: RuntimeSettings, partitions: Mapping[str, int]) -> None:
        self._settings = settings
        self._partitions = partitions  # from the topic catalogue, which creates the topics
        self._consumer: AIOKafkaConsumer | None = None

    async def _ready(self) -> AIOKafkaConsumer:
        if self._consumer is None:  # only needed after a crash: opened on first use
            self._consumer = AIOKafkaConsumer(
                bootstrap_servers=self._settings.kafka_bootstrap_servers, group_id=None,
                enable_auto_commit=False, isolation_level="read_committed",
                **kafka_client_options(self._settings))
            await self._consumer.start()
        return self._consumer

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    async def present(self, topic: str, partition: int, since: datetime,
                      event_ids: set[str]) -> set[str]:
        """Which of `event_ids` the partition holds in records written since `since`."""
        consumer = await self._ready()
        tp = TopicPartition(self._settings.topic(topic), partition)
        consumer.assign([tp])
        start = await consumer.offsets_for_times({tp: int(since.timestamp() * 1000)})
        if start.get(tp) is None:
            return set()  # nothing written to the partition since the inputs were handled
        end = (await consumer.end_offsets([tp]))[tp]
        consumer.seek(tp, start[tp].offset)
        needles = {i: i.encode() for i in event_ids}
        found: set[str] = set()
        while await consumer.position(tp) < end and len(found) < len(needles):
            batch = await consumer.getmany(tp, timeout_ms=1000, max_records=500)
            for record in batch.get(tp, ()):
                value = record.value or b""
                found.update(i for i, n in needles.items() if i not in found and n in value)
        return found


class Outbox:
    """Picks, among the stored outputs of interrupted sends, the ones Kafka does not have."""

    def __init__(self, lookup: KafkaLookup, partitions: Mapping[str, int]) -> None:
        self._lookup = lookup
        self._partitions = partitions

    async def missing(self, interrupted: Sequence[tuple[Sequence[Outgoing], datetime]]
                      ) -> list[Outgoing]:
        """The outputs to send again, in their stored order; each partition is read once."""
        wanted: dict[tuple[str, int], tuple[datetime, set[str]]] = {}
        for outputs, handled_at in interrupted:
            for topic, event in outputs:
                where = (topic, partition_of(event.complaint_id.encode(),
                                             self._partitions[topic]))
                since, ids = wanted.get(where, (handled_at, set()))
                ids.add(str(event.event_id))
                wanted[where] = (min(since, handled_at), ids)
        found: set[tuple[str, str]] = set()  # one event id can go to several topics
        for (topic, partition), (since, ids) in wanted.items():
            found.update((topic, i) for i in await self._lookup.present(
                topic, partition, since - CLOCK_SLACK, ids))
        pending = [(t, e) for outputs, _ in interrupted for t, e in outputs
                   if (t, str(e.event_id)) not in found]
        total = sum(len(o) for o, _ in interrupted)
        RECOVERED.labels(outcome="present").inc(total - len(pending))
        RECOVERED.labels(outcome="missing").inc(len(pending))
        if total:
            log.warning("resuming interrupted sends: %d of %d outputs missing",
                        len(pending), total)
        return pending
