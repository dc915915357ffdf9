"""Sending what a handled input caused, exactly once per output even across a kill -9.

Outputs are stored with the input's idempotency record before they are sent, and marked sent
once Kafka acknowledged them. A crash between the acknowledgement and the mark leaves the
record unsent; when the input is redelivered, each stored output is looked up in the partition
its key maps to, and only the ones Kafka does not have are sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.partitioner import murmur2
from prometheus_client import Counter

from services.runtime.kafka_security import kafka_client_options
from services.runtime.producer import EventProducer, Outgoing
from services.runtime.settings import RuntimeSettings

log = logging.getLogger(__name__)
RECOVERED = Counter("router_outbox_recovered_total",
                    "Outputs of an interrupted send, by what the lookup found", ["outcome"])
# Producer and database clocks differ; look a little further back than the record's time.
CLOCK_SLACK = timedelta(minutes=5)


def partition_of(key: bytes, partitions: int) -> int:
    """The partition the default (Java-compatible) partitioner gives a keyed record."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


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

    async def contains(self, topic: str, key: bytes, event_id: str, since: datetime) -> bool:
        consumer = await self._ready()
        tp = TopicPartition(self._settings.topic(topic),
                            partition_of(key, self._partitions[topic]))
        consumer.assign([tp])
        start = await consumer.offsets_for_times({tp: int(since.timestamp() * 1000)})
        if start.get(tp) is None:
            return False  # nothing written to the partition since the input was handled
        end = (await consumer.end_offsets([tp]))[tp]
        consumer.seek(tp, start[tp].offset)
        needle = event_id.encode()
        while await consumer.position(tp) < end:
            batch = await consumer.getmany(tp, timeout_ms=1000, max_records=500)
            if any(needle in (r.value or b"") for r in batch.get(tp, ())):
                return True
        return False


class Outbox:
    """Sends a handled input's outputs; after a crash, sends only the missing ones."""

    def __init__(self, producer: EventProducer, lookup: KafkaLookup) -> None:
        self._producer = producer
        self._lookup = lookup

    async def send(self, outputs: Sequence[Outgoing], interrupted_since: datetime | None = None
                   ) -> None:
        """Send `outputs`; `interrupted_since` says an earlier attempt may have sent some."""
        pending = list(outputs)
        if interrupted_since is not None:
            since = interrupted_since - CLOCK_SLACK
            pending = []
            for topic, event in outputs:
                found = await self._lookup.contains(topic, event.complaint_id.encode(),
                                                    str(event.event_id), since)
                RECOVERED.labels(outcome="present" if found else "missing").inc()
                if not found:
                    pending.append((topic, event))
            log.warning("resuming interrupted send: %d of %d outputs missing",
                        len(pending), len(outputs))
        if pending:
            await self._producer.send_many(pending)
