"""index_lifecycle: a plain aiokafka batch consumer of every lifecycle topic into the index.

One getmany, one PostgreSQL transaction for the whole batch, then the offset commit: a crash
anywhere before the commit redelivers the batch, and the index's key (topic, partition,
offset) makes that harmless. The audit service owns this loop (instead of StreamService)
because it produces nothing and wants whole batches per transaction.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from functools import partial

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.errors import CommitFailedError

from services.audit import metrics
from services.audit.index import (
    DEAD_LETTERS,
    TOPIC_NAMES,
    IndexRow,
    Skipped,
    dead_letter_row,
    index_row,
)
from services.audit.store import IndexStore
from services.runtime.consuming import committing_consumer
from services.runtime.crash import crash_process
from services.runtime.outage import riding_out
from services.runtime.settings import RuntimeSettings

log = logging.getLogger(__name__)
SERVICE = "audit"


def rows_of(records: Iterable[ConsumerRecord], names: dict[str, str]) -> list[IndexRow]:
    """Index rows of a batch; records that are no event are counted and passed over."""
    rows = []
    for record in records:
        name = names[record.topic]
        try:
            if name in DEAD_LETTERS:
                rows.append(dead_letter_row(name, record.topic, record.partition, record.offset,
                                            record.key, record.timestamp,
                                            tuple(record.headers or ())))
            else:
                rows.append(index_row(name, record.topic, record.partition, record.offset,
                                      record.value))
        except Skipped as exc:
            log.warning("audit skips %s@%s/%s: %s", name, record.partition, record.offset, exc)
            metrics.SKIPPED.labels(name).inc()
    return rows


class LifecycleIndexer:
    """Consumes the lifecycle topics as group tanggap-audit and writes the index."""

    def __init__(self, settings: RuntimeSettings, store: IndexStore, batch: int) -> None:
        self.settings = settings
        self.store = store
        self.batch = batch
        # physical topic -> catalogue name
        self.names = {settings.topic(name): name for name in TOPIC_NAMES}
        self.crash: Callable[[BaseException], None] = crash_process
        self.batches = 0
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._consumer = committing_consumer(
            self.settings, self.names, self.settings.group(SERVICE),
            max_partition_fetch_bytes=4 * 1024 * 1024)
        await self._consumer.start()
        self._task = asyncio.create_task(self._run(), name="index_lifecycle")

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
                batches = await self._consumer.getmany(timeout_ms=500, max_records=self.batch)
                if not batches:
                    continue
                started = time.perf_counter()
                records = [r for rs in batches.values() for r in rs]
                rows = rows_of(records, self.names)
                await riding_out(partial(self.store.add, rows), "audit_index")
                metrics.BATCH.observe(time.perf_counter() - started)
                for topic, count in Counter(row.topic for row in rows).items():
                    metrics.INDEXED.labels(self.names[topic]).inc(count)  # once per topic
                try:
                    await self._consumer.commit()
                except CommitFailedError as exc:
                    # A rebalance took partitions mid-batch: their new owner re-reads from
                    # the last commit, and the index's key makes the repeat harmless.
                    log.warning("audit commit failed after a rebalance: %s", exc)
                self.batches += 1
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - anything unexpected must not be committed
            self.crash(exc)
            raise
