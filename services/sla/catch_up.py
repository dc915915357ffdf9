"""Waiting, after partitions are assigned, until the inputs that were waiting have been applied.

After downtime the heap says a deadline has passed, but an answer given before it may still
sit unread in the backlog; firing first would announce a breach that never happened. So
timers start only once the consumer group's committed offsets reach the end offsets seen at
assignment (bounded: a stuck input must not silence every clock).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

log = logging.getLogger(__name__)

EndOffsets = Callable[[Collection[TopicPartition]], Awaitable[Mapping[TopicPartition, int]]]


def behind(ends: Mapping[TopicPartition, int], committed: Mapping[TopicPartition, int]
           ) -> list[TopicPartition]:
    """Partitions whose committed offset has not reached the end seen at assignment."""
    return [tp for tp, end in ends.items() if end > 0 and committed.get(tp, -1) < end]


async def wait_caught_up(bootstrap: str, group: str, partitions: Collection[TopicPartition],
                         end_offsets: EndOffsets, limit_seconds: float,
                         poll_seconds: float = 0.25, **client_options: Any) -> bool:
    """Return True once the group has processed its backlog, False if `limit_seconds` passed."""
    if not partitions:
        return True
    ends = dict(await end_offsets(partitions))
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options)
    await admin.start()
    try:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + limit_seconds
        while True:
            answer = await admin.list_consumer_group_offsets(group, partitions=list(ends))
            committed = {TopicPartition(tp.topic, tp.partition): meta.offset
                         for tp, meta in answer.items() if meta is not None}
            waiting = behind(ends, committed)
            if not waiting:
                return True
            if loop.time() > give_up:
                log.warning("inputs still behind after %.0f s (%s): timers start anyway",
                            limit_seconds, ", ".join(f"{t.topic}[{t.partition}]" for t in waiting))
                return False
            await asyncio.sleep(poll_seconds)
    finally:
        await admin.close()
