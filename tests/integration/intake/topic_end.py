"""Wait until a watcher has read everything a topic holds now, to count records exactly."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas.topics import spec
from services.runtime.settings import RuntimeSettings
from tests.support.kafka import Watcher


async def end_offsets(settings: RuntimeSettings, topic: str) -> dict[int, int]:
    name = settings.topic(topic)
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        parts = [TopicPartition(name, p) for p in range(spec(topic).partitions)]
        return {tp.partition: end for tp, end in (await consumer.end_offsets(parts)).items()}
    finally:
        await consumer.stop()


async def caught_up(watch: Watcher, topic: str, timeout: float = 30.0) -> None:
    """Return once the watcher has seen the last record each partition held when called."""
    ends = await end_offsets(watch.settings, topic)
    name = watch.settings.topic(topic)

    async def reached() -> None:
        while True:
            seen: dict[int, int] = {}
            for record in watch.records:
                if record.topic == name:
                    seen[record.partition] = max(seen.get(record.partition, -1), record.offset)
            if all(seen.get(p, -1) >= end - 1 for p, end in ends.items() if end > 0):
                return
            await asyncio.sleep(0.1)

    await asyncio.wait_for(reached(), timeout)
