"""At-least-once aiokafka consumers that run inside intake's web process.

Offsets are committed only after a whole batch was handled, never automatically;
a handler must therefore be idempotent. A handler that raises something unexpected crashes
the process before the commit, so Kafka delivers the record again after the restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.errors import CommitFailedError

from services.runtime.consuming import committing_consumer
from services.runtime.crash import crash_process
from services.runtime.settings import RuntimeSettings

log = logging.getLogger(__name__)

# A whole batch (every partition's records, each partition in order); it returns once the
# batch is durable, e.g. a runtime.batch.BatchStep.
BatchOfRecords = Callable[[Sequence[ConsumerRecord]], Awaitable[None]]

class RecordConsumer:
    """One consumer group over catalogue topics, handing each fetched batch over at once."""

    def __init__(self, settings: RuntimeSettings, group: str, topics: Sequence[str],
                 handler: BatchOfRecords, batch: int | None = None) -> None:
        self._settings = settings
        self._group = group
        self._topics = [settings.topic(t) for t in topics]
        self._handler = handler
        self._batch = batch or settings.batch_max
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self.crash: Callable[[BaseException], None] = crash_process

    async def start(self) -> None:
        self._consumer = committing_consumer(self._settings, self._topics, self._group)
        await self._consumer.start()
        self._task = asyncio.create_task(self._run(), name=f"consume:{self._group}")

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
                await self._handler([r for records in batches.values() for r in records])
                try:
                    await self._consumer.commit()
                except CommitFailedError as exc:
                    # A rebalance took the partitions mid-batch; their new owner re-reads
                    # from the last commit, which the idempotent handlers make harmless.
                    log.warning("commit of %s failed after a rebalance: %s", self._group, exc)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - anything unexpected must not be committed
            self.crash(exc)
            raise
