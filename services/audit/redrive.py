"""Put dead letters back on their topic, each exactly once, even across an interrupted run.

For each dead letter, in order: a row in `redrives` (with the target's end offsets) is
committed, the record is sent with a `redrive.source` header and acknowledged, and the row is
completed with where it landed. A run killed between the send and the completion leaves an
open row: the next run searches the target from the recorded offsets for the header, and
completes the row if the record is there, or sends it if it is not. An advisory lock keeps
two runs on one dead-letter topic from interleaving.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from services.audit.deadletters import REDRIVE_HEADER, DeadLetter
from services.audit.logreader import partitions_of, scan
from services.runtime.settings import RuntimeSettings

log = logging.getLogger(__name__)


@dataclass
class RedriveReport:
    sent: list[str] = field(default_factory=list)  # "id -> topic/partition@offset"
    found: list[str] = field(default_factory=list)  # sent by an interrupted run, now recorded
    already: list[str] = field(default_factory=list)


async def read_dead_letters(consumer: AIOKafkaConsumer, settings: RuntimeSettings,
                            dlq: str) -> list[DeadLetter]:
    """Every record now on a dead-letter topic (catalogue name), oldest first per partition."""
    physical = settings.topic(dlq)
    tps = await partitions_of(settings, physical)
    if not tps:
        raise LookupError(f"no topic {physical}")
    starts = await consumer.beginning_offsets(tps)
    ends = await consumer.end_offsets(tps)
    return [DeadLetter(dlq, r.partition, r.offset, r.timestamp, r.key, r.value,
                       tuple(r.headers or ()))
            async for r in scan(consumer, {tp: (starts[tp], ends[tp]) for tp in tps})]


class Redriver:
    """Re-drives the dead letters of one topic; `crash_after_send` is the tests' kill switch."""

    def __init__(self, settings: RuntimeSettings, pool: asyncpg.Pool,
                 consumer: AIOKafkaConsumer, producer: AIOKafkaProducer | None,
                 crash_after_send: int = 0) -> None:
        self.settings = settings
        self.pool = pool
        self.consumer = consumer
        self.producer = producer
        self.crash_after_send = crash_after_send
        self.crash: Callable[[], None] = lambda: os._exit(75)  # as a kill -9 would
        self._sends = 0

    async def status(self, physical_dlq: str) -> dict[tuple[int, int], str]:
        """Dead letters already handled: (partition, offset) -> where they went."""
        rows = await self.pool.fetch(
            "SELECT dlq_partition, dlq_offset, target_topic, target_partition, target_offset, "
            "done_at FROM redrives WHERE dlq_topic = $1", physical_dlq)
        return {(r["dlq_partition"], r["dlq_offset"]):
                f"{r['target_topic']}/{r['target_partition']}@{r['target_offset']}"
                if r["done_at"] else "interrupted" for r in rows}

    async def run(self, dlq: str, ids: Collection[str] = ()) -> RedriveReport:
        physical = self.settings.topic(dlq)
        letters = [d for d in await read_dead_letters(self.consumer, self.settings, dlq)
                   if not ids or d.id in ids]
        report = RedriveReport()
        async with self.pool.acquire() as lock:
            await lock.execute("SELECT pg_advisory_lock(hashtext($1))", "redrive:" + physical)
            try:
                for letter in letters:
                    await self._one(letter, physical, report)
            finally:
                await lock.execute("SELECT pg_advisory_unlock(hashtext($1))",
                                   "redrive:" + physical)
        return report

    async def _one(self, letter: DeadLetter, physical: str, report: RedriveReport) -> None:
        key = (physical, letter.partition, letter.offset)
        row = await self.pool.fetchrow(
            "SELECT target_topic, target_start, done_at FROM redrives WHERE dlq_topic = $1 "
            "AND dlq_partition = $2 AND dlq_offset = $3", *key)
        target = self.settings.topic(letter.source_topic)
        if row is not None and row["done_at"] is not None:
            report.already.append(letter.id)
            return
        if row is not None:  # an earlier run may have sent it and died before recording
            landed = await self._find(row["target_topic"], json.loads(row["target_start"]),
                                      letter.redrive_id(physical))
            if landed is not None:
                await self._done(key, landed, found=True)
                report.found.append(f"{letter.id} -> {row['target_topic']}/{landed[0]}@"
                                    f"{landed[1]}")
                return
        else:
            tps = await partitions_of(self.settings, target)
            ends = await self.consumer.end_offsets(tps)
            await self.pool.execute(
                "INSERT INTO redrives (dlq_topic, dlq_partition, dlq_offset, target_topic, "
                "target_start) VALUES ($1, $2, $3, $4, $5)", *key, target,
                json.dumps({str(tp.partition): end for tp, end in ends.items()}))
        assert self.producer is not None, "re-driving needs a producer"
        meta = await self.producer.send_and_wait(
            target, value=letter.value, key=letter.key,
            headers=letter.redrive_headers(physical))
        self._sends += 1
        if self.crash_after_send and self._sends >= self.crash_after_send:
            self.crash()
        await self._done(key, (meta.partition, meta.offset), found=False)
        report.sent.append(f"{letter.id} -> {target}/{meta.partition}@{meta.offset}")

    async def _find(self, target: str, starts: dict[str, int], redrive_id: str
                    ) -> tuple[int, int] | None:
        """Where a record with this redrive header landed since `starts`, if it did."""
        tps = [TopicPartition(target, int(p)) for p in starts]
        ends = await self.consumer.end_offsets(tps)
        wanted = redrive_id.encode()
        async for record in scan(self.consumer,
                                 {tp: (starts[str(tp.partition)], ends[tp]) for tp in tps}):
            if any(k == REDRIVE_HEADER and v == wanted for k, v in record.headers or ()):
                return record.partition, record.offset
        return None

    async def _done(self, key: tuple[str, int, int], landed: tuple[int, int], found: bool
                    ) -> None:
        await self.pool.execute(
            "UPDATE redrives SET target_partition = $4, target_offset = $5, done_at = now(), "
            "found_after_crash = $6 WHERE dlq_topic = $1 AND dlq_partition = $2 "
            "AND dlq_offset = $3", *key, *landed, found)
        log.info("re-driven %s:%s@%s to partition %s@%s", *key, *landed)
