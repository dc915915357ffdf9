"""keep_projection: a plain aiokafka consumer inside the console process, one group of its own.

Offsets are committed only after the batch's records were applied, in one database
transaction where each event is recorded by its id, so a redelivered record changes nothing.
A record that is not an event of its topic goes to the topic's .dlq with the reason; anything
unexpected crashes the process before the commit, and Kafka delivers it again after a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.errors import CommitFailedError

from schemas.codec import DecodeError, decode
from schemas.envelope import Event, utcnow
from schemas.topics import (
    ASSIGNED,
    COMMANDS,
    EXTERNAL,
    LINKED,
    RECEIVED,
    REDIRECTED,
    RESPONSES,
    SLA,
    SUPPRESSED,
    TRIAGE,
    UPDATED,
    TopicSpec,
)
from services.console import metrics, store
from services.console.projection import change_for
from services.runtime.consuming import committing_consumer
from services.runtime.crash import crash_process
from services.runtime.deadletter import send_to_dead_letter
from services.runtime.producer import EventProducer
from services.runtime.settings import RuntimeSettings

log = logging.getLogger(__name__)
TOPICS: tuple[TopicSpec, ...] = (RECEIVED, UPDATED, ASSIGNED, TRIAGE, SUPPRESSED, EXTERNAL,
                                 REDIRECTED, LINKED, COMMANDS, RESPONSES, SLA)


class Projector:
    """Applies lifecycle records to the console's tables, once each."""

    def __init__(self, settings: RuntimeSettings, pool: asyncpg.Pool,
                 producer: EventProducer) -> None:
        self._pool = pool
        self._producer = producer
        self._by_topic = {settings.topic(spec.name): spec for spec in TOPICS}

    async def keep_projection(self, records: list[ConsumerRecord]) -> int:
        """Apply a batch in one transaction (each event once); returns how many were new.

        One transaction per batch instead of per event: a replay of the whole log runs at
        database speed, and a crash before the commit redelivers the batch, changing nothing.
        """
        decoded: list[tuple[str, Event]] = []
        for record in records:
            spec = self._by_topic[record.topic]
            try:
                decoded.append((spec.name, decode(record.value, spec.carries)))
            except DecodeError as exc:
                log.warning("dead-lettering %s@%s: %s", spec.name, record.offset, exc)
                await send_to_dead_letter(self._producer, spec.name, record, str(exc),
                                          "console")
        new = 0
        async with self._pool.acquire() as conn, conn.transaction():
            for topic, event in decoded:
                change = change_for(event)
                if change is not None and await store.apply(conn, event, topic, change):
                    new += 1
                    metrics.EVENTS_APPLIED.labels(topic=topic).inc()
        if decoded:
            newest = max(event.occurred_at for _, event in decoded)
            metrics.PROJECTION_LAG.set((utcnow() - newest).total_seconds())
        return new


class ProjectionConsumer:
    """The consume loop: fetch a batch, apply each record, then commit."""

    def __init__(self, settings: RuntimeSettings, projector: Projector, batch: int = 500,
                 group: str = "console") -> None:
        self._settings = settings
        self._projector = projector
        self._batch = batch
        self._group = settings.group(group)
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self.crash: Callable[[BaseException], None] = crash_process

    async def start(self) -> None:
        self._consumer = committing_consumer(
            self._settings, [self._settings.topic(t.name) for t in TOPICS], self._group)
        await self._consumer.start()
        self._task = asyncio.create_task(self._run(), name="consume:console")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._consumer is not None:
            await self._consumer.stop()

    async def _run(self) -> None:
        assert self._consumer is not None
        try:
            while True:
                batches = await self._consumer.getmany(timeout_ms=500, max_records=self._batch)
                if not batches:
                    continue
                # Partitions in order, each partition's records in order: a case's events
                # on one topic keep their order (they share the complaint id as key).
                await self._projector.keep_projection(
                    [record for records in batches.values() for record in records])
                try:
                    await self._consumer.commit()
                except CommitFailedError as exc:
                    # The partitions moved mid-batch; their new owner re-reads from the last
                    # commit, and applying by event id makes that harmless.
                    log.warning("console commit failed after a rebalance: %s", exc)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - anything unexpected must not be committed
            self.crash(exc)
            raise
