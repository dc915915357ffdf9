"""Fetch exact records from Kafka by (topic, partition, offset): the timeline shows the log."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from services.runtime.kafka_security import kafka_client_options
from services.runtime.settings import RuntimeSettings

Position = tuple[str, int, int]  # physical topic, partition, offset


class LogReader:
    """A group-less consumer that seeks to each wanted offset; one read at a time."""

    def __init__(self, settings: RuntimeSettings, fetch_bytes: int = 64 * 1024) -> None:
        self._settings = settings
        self._fetch_bytes = fetch_bytes
        self._consumer: AIOKafkaConsumer | None = None
        self._lock = asyncio.Lock()  # assign and seek belong to one read at a time

    async def start(self) -> None:
        # Small fetches: a case's records are a handful scattered over large partitions, so
        # each seek should bring back little beyond the record itself; a short fetch wait,
        # because a re-assignment waits for the fetches still in flight. "earliest" makes an
        # offset that retention removed land on the log start instead of waiting at the end.
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            **kafka_client_options(self._settings), group_id=None,
            enable_auto_commit=False, auto_offset_reset="earliest",
            isolation_level="read_committed", max_partition_fetch_bytes=self._fetch_bytes,
            fetch_max_wait_ms=20,
        )
        await self._consumer.start()

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    async def __aenter__(self) -> LogReader:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def fetch(self, positions: Iterable[Position], within: float = 15.0
                    ) -> dict[Position, ConsumerRecord]:
        """The records at these positions; a position the log no longer has is left out."""
        assert self._consumer is not None, "start() the reader first"
        wanted: dict[TopicPartition, list[int]] = defaultdict(list)
        for topic, partition, offset in positions:
            wanted[TopicPartition(topic, partition)].append(offset)
        if not wanted:
            return {}
        async with self._lock:
            return await self._fetch(self._consumer, wanted, within)

    @staticmethod
    async def _fetch(consumer: AIOKafkaConsumer, wanted: dict[TopicPartition, list[int]],
                     within: float) -> dict[Position, ConsumerRecord]:
        todo = {tp: sorted(set(offsets)) for tp, offsets in wanted.items()}
        consumer.assign(list(todo))
        for tp, offsets in todo.items():
            consumer.seek(tp, offsets[0])
        found: dict[Position, ConsumerRecord] = {}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while todo and loop.time() < deadline:
            batches = await consumer.getmany(*todo, timeout_ms=200)
            for tp, records in batches.items():
                offsets = todo.get(tp)
                if offsets is None or not records:
                    continue
                keep = set(offsets)
                for record in records:
                    if record.offset in keep:
                        found[(tp.topic, tp.partition, record.offset)] = record
                last = records[-1].offset
                # Offsets at or below the last record read are found or gone from the log.
                rest = [o for o in offsets if o > last]
                if not rest:
                    del todo[tp]
                    consumer.pause(tp)
                    continue
                todo[tp] = rest
                if rest[0] > last + 1:
                    consumer.seek(tp, rest[0])  # skip the records of other cases between
        return found


async def partitions_of(settings: RuntimeSettings, topic: str) -> list[TopicPartition]:
    """Every partition of a physical topic, as the broker has it now (none: no such topic)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers,
                                **kafka_client_options(settings))
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return [TopicPartition(topic, p["partition"])
            for p in sorted(described["partitions"], key=lambda p: p["partition"])]


async def scan(consumer: AIOKafkaConsumer, ranges: dict[TopicPartition, tuple[int, int]],
               within: float = 60.0) -> AsyncIterator[ConsumerRecord]:
    """Every record with start <= offset < end per partition, partition by partition."""
    todo = {tp: (start, end) for tp, (start, end) in ranges.items() if end > start}
    if not todo:
        return
    consumer.assign(list(todo))
    for tp, (start, _) in todo.items():
        consumer.seek(tp, start)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while todo:
        if loop.time() > deadline:
            raise TimeoutError(f"log not read to its end within {within}s: {sorted(todo)}")
        batches = await consumer.getmany(*todo, timeout_ms=300)
        for tp, records in batches.items():
            if tp not in todo:
                continue
            end = todo[tp][1]
            for record in records:
                if record.offset < end:
                    yield record
            if records and records[-1].offset >= end - 1:
                del todo[tp]
        for tp in [tp for tp in todo if tp not in batches]:
            # A partition's last offsets may be markers, never records: the position says.
            if await consumer.position(tp) >= todo[tp][1]:
                del todo[tp]
