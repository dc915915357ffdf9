"""An independent Kafka consumer for tests: watch topics and wait for matching events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from schemas.codec import DecodeError, decode, encode
from schemas.envelope import Event
from services.runtime.kafka_security import kafka_client_options
from services.runtime.settings import RuntimeSettings


class Watcher:
    """Reads the given catalogue topics from the beginning and keeps every record it saw."""

    def __init__(self, settings: RuntimeSettings, *topics: str) -> None:
        self.settings = settings
        self.topics = topics
        self.records: list[Any] = []  # aiokafka ConsumerRecords, with physical topic names
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Condition()

    async def __aenter__(self) -> Watcher:
        self._consumer = AIOKafkaConsumer(
            *(self.settings.topic(t) for t in self.topics),
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            auto_offset_reset="earliest", enable_auto_commit=False, group_id=None,
            metadata_max_age_ms=1000, **kafka_client_options(self.settings),
        )
        await self._consumer.start()
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task:
            self._task.cancel()
        if self._consumer:
            await self._consumer.stop()

    async def _run(self) -> None:
        assert self._consumer is not None
        async for record in self._consumer:
            async with self._changed:
                self.records.append(record)
                self._changed.notify_all()

    def events(self, topic: str | None = None) -> list[Event]:
        """Valid events seen so far, optionally of one catalogue topic. Poison records that
        other tests of the session put on shared topics on purpose are passed over."""
        name = self.settings.topic(topic) if topic else None
        found = []
        for record in self.records:
            if name is None or record.topic == name:
                try:
                    found.append(decode(record.value))
                except DecodeError:
                    continue
        return found

    async def wait_for(self, predicate: Callable[[Any], bool], count: int = 1,
                       timeout: float = 60.0) -> list[Any]:
        """Wait until `count` records satisfy `predicate` (given the raw record)."""
        async def enough() -> list[Any]:
            async with self._changed:
                while True:
                    found = [r for r in self.records if predicate(r)]
                    if len(found) >= count:
                        return found
                    await self._changed.wait()

        return await asyncio.wait_for(enough(), timeout)

    async def wait_event(self, topic: str, match: Callable[[Event], bool], count: int = 1,
                         timeout: float = 60.0) -> list[Event]:
        """Wait for `count` decoded events on a catalogue topic that satisfy `match`."""
        name = self.settings.topic(topic)

        def predicate(record: Any) -> bool:
            if record.topic != name:
                return False
            try:
                return match(decode(record.value))
            except ValueError:
                return False

        return [decode(r.value) for r in await self.wait_for(predicate, count, timeout)]


async def produce(settings: RuntimeSettings, topic: str, *items: Event | bytes,
                  key: bytes | None = None) -> None:
    """Write events (or raw bytes) to a catalogue topic, as an outside producer would."""
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all",
                                **kafka_client_options(settings))
    await producer.start()
    try:
        for item in items:
            value = item if isinstance(item, bytes) else encode(item)
            k = key if isinstance(item, bytes) else item.complaint_id.encode()
            await producer.send_and_wait(settings.topic(topic), value=value, key=k)
    finally:
        await producer.stop()
