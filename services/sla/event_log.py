"""Reading the event log: every record of some topics, from the beginning to the current end."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from schemas.codec import DecodeError, decode
from schemas.envelope import Event
from schemas.topics import TopicSpec
from services.runtime.kafka_security import kafka_client_options
from services.runtime.settings import RuntimeSettings

log = logging.getLogger(__name__)


async def read_log(settings: RuntimeSettings, specs: Sequence[TopicSpec],
                   limit_seconds: float = 300.0) -> list[Event]:
    """Decoded events of the topics up to the end offsets seen at the start of the read.

    Records that do not decode are skipped: the consuming services already parked them on
    the dead-letter topics, so they never took part in the live decisions either.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                                enable_auto_commit=False, group_id=None,
                                auto_offset_reset="earliest", **kafka_client_options(settings))
    await consumer.start()
    try:
        names = {settings.topic(s.name): s for s in specs}
        tps = [TopicPartition(name, p) for name, count in
               (await partition_counts(settings, list(names))).items() for p in range(count)]
        if not tps:
            return []
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        events: list[Event] = []
        skipped = 0
        async with asyncio.timeout(limit_seconds):
            pending = [tp for tp in tps if end[tp] > 0]
            while pending:
                batch = await consumer.getmany(*pending, timeout_ms=500)
                for tp, records in batch.items():
                    for record in records:
                        if record.offset >= end[tp]:
                            continue
                        try:
                            events.append(decode(record.value, names[tp.topic].carries))
                        except DecodeError:
                            skipped += 1
                pending = [tp for tp in pending if await consumer.position(tp) < end[tp]]
        if skipped:
            log.warning("event log: skipped %d undecodable records", skipped)
        return events
    finally:
        await consumer.stop()


async def partition_counts(settings: RuntimeSettings, topics: list[str]) -> dict[str, int]:
    """How many partitions each existing topic has, as the broker says (missing ones omitted)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers,
                                **kafka_client_options(settings))
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return {d["topic"]: len(d["partitions"]) for d in described
            if d.get("error_code", 0) == 0 and d["partitions"]}
