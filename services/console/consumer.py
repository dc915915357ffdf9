"""keep_projection: a plain aiokafka consumer inside the console process, one group of its own.

Offsets are committed only after the batch's records were applied, each in its own database
transaction keyed by event id, so a redelivered record changes nothing. A record that is not
an event of its topic goes to the topic's .dlq with the reason; anything unexpected crashes
the process before the commit, and Kafka delivers the record again after the restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.errors import CommitFailedError

from schemas.codec import DecodeError, decode
from schemas.envelope import utcnow
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
    TopicSpec,
)
from services.console import metrics, store
from services.console.projection import change_for
from services.runtime.crash import crash_process
from services.runtime.deadletter import send_to_dead_letter
from services.runtime.producer import EventProducer
from services.runtime.settings import RuntimeSettings

log = logging.getLogger(__name__)
TOPICS: tuple[TopicSpec, ...] = (RECEIVED, ASSIGNED, TRIAGE, SUPPRESSED, EXTERNAL, REDIRECTED,
                                 LINKED, COMMANDS, RESPONSES, SLA)


class Projector:
    """Applies lifecycle records to the console's tables, once each."""

    def __init__(self, settings: RuntimeSettings, pool: asyncpg.Pool,
                 producer: EventProducer) -> None:
        self._pool = pool
        self._producer = producer
        self._by_topic = {settings.topic(spec.name): spec for spec in TOPICS}

    async def keep_projection(self, record: ConsumerRecord) -> None:
        spec = self._by_topic[record.topic]
        try:
            event = decode(record.value, spec.carries)
        except DecodeError as exc:
            log.warning("dead-lettering %s@%s: %s", spec.name, record.offset, exc)
            await send_to_dead_letter(self._producer, spec.name, record, str(exc), "console")
            return
        change = change_for(event)
        if change is None:
            return
        async with self._pool.acquire() as conn, conn.transaction():
            applied = await store.apply(conn, event, spec.name, change)
        if applied:
            metrics.EVENTS_APPLIED.labels(topic=spec.name).inc()
            metrics.PROJECTION_LAG.set((utcnow() - event.occurred_at).total_seconds())


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
        timeout_ms = int(self._settings.session_timeout_seconds * 1000)
        group = self._group
        self._consumer = AIOKafkaConsumer(
            *(self._settings.topic(t.name) for t in TOPICS),
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            group_id=group, client_id=group,
            enable_auto_commit=False,  # aiokafka's default would commit before we applied
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            session_timeout_ms=timeout_ms,
            heartbeat_interval_ms=max(1000, timeout_ms // 5),
            metadata_max_age_ms=30_000,
        )
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
                for records in batches.values():
                    for record in records:
                        await self._projector.keep_projection(record)
                if not batches:
                    continue
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
