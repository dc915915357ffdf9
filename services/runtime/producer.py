"""The one way services write to Kafka: acks=all, idempotent, keyed by complaint id.

Sends of a batch are queued without awaiting each, then awaited together: one broker round
trip per batch rather than per record (aiokafka keeps one in-flight batch per partition).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer

from schemas.codec import encode
from schemas.envelope import Event
from services.runtime.kafka_security import kafka_client_options
from services.runtime.partitioning import key_partitioner
from services.runtime.settings import RuntimeSettings

Outgoing = tuple[str, Event]  # (catalogue topic name, event)


@dataclass(frozen=True)
class RawRecord:
    """A record sent as it is (dead letters keep the refused bytes untouched)."""

    topic: str  # catalogue name
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]] = ()


class EventProducer:
    """Durable producer: a send returns only once the broker has the record."""

    def __init__(self, settings: RuntimeSettings, client_id: str) -> None:
        self._settings = settings
        self._client_id = client_id
        self._producer: AIOKafkaProducer | None = None
        self._started = asyncio.Event()

    async def start(self) -> None:
        # aiokafka defaults to acks=1 and no idempotence; we promise not to lose or duplicate.
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            client_id=self._client_id,
            acks="all",
            enable_idempotence=True,
            linger_ms=self._settings.producer_linger_ms,
            max_batch_size=self._settings.producer_max_batch_bytes,
            compression_type=self._settings.producer_compression,
            partitioner=key_partitioner,
            request_timeout_ms=30_000,
            **kafka_client_options(self._settings),
        )
        await self._producer.start()
        self._started.set()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
            self._started.clear()

    async def _ready(self) -> AIOKafkaProducer:
        await self._started.wait()
        assert self._producer is not None
        return self._producer

    async def send_raw(
        self, topic: str, key: bytes | None, value: bytes | None,
        headers: Sequence[tuple[str, bytes]] = (),
    ) -> None:
        """Send one record to a catalogue topic and wait for the broker's acknowledgement."""
        producer = await self._ready()
        await producer.send_and_wait(self._settings.topic(topic), value=value, key=key,
                                     headers=list(headers) or None)

    async def send(self, topic: str, event: Event) -> None:
        """Send one event keyed by its complaint id and wait until it is durable."""
        await self.send_many([(topic, event)])

    async def send_many(self, outgoing: Iterable[Outgoing],
                        raw: Iterable[RawRecord] = ()) -> None:
        """Send several events (and raw records), batched, and wait until all are durable.

        Each send only queues the record (in order, so per-key order holds); the futures are
        awaited together. If any fails, this raises after all have settled.
        """
        producer = await self._ready()
        topic_of = self._settings.topic
        futures = [
            await producer.send(topic_of(topic), value=encode(event),
                                key=event.complaint_id.encode())
            for topic, event in outgoing
        ]
        futures += [
            await producer.send(topic_of(r.topic), value=r.value, key=r.key,
                                headers=list(r.headers) or None)
            for r in raw
        ]
        results = await asyncio.gather(*futures, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
