"""One router process for the package, and builders of the events it consumes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas.intake import ComplaintReceived
from schemas.topics import COMMANDS, RECEIVED, RESPONSES, UPDATED, catalogue
from services.runtime.partitioning import partition_of
from services.runtime.settings import RuntimeSettings
from tests.support.kafka import Watcher
from tests.support.processes import ServiceProcess, free_port
from tests.support.stack import service_env, wait_for_topics


@pytest.fixture(scope="package")
async def router(stack: RuntimeSettings) -> AsyncIterator[ServiceProcess]:
    await wait_for_topics(stack, RECEIVED.name, COMMANDS.name, RESPONSES.name, UPDATED.name)
    port = free_port()
    proc = ServiceProcess("router", port,
                          service_env(stack.topic_prefix, TANGGAP_ROUTER_WEB_PORT=str(port)),
                          tag="it-router")
    await proc.start()
    try:
        yield proc
    finally:
        proc.stop()


def complaint(text: str, channel: str = "whatsapp", **fields: Any) -> ComplaintReceived:
    """A case as intake would publish it, with a fresh id and ticket."""
    cid = f"c-{uuid.uuid4().hex}"
    return ComplaintReceived(complaint_id=cid, ticket=f"KTP-T-{cid[-10:]}", channel=channel,
                             channel_message_id=f"m-{cid}", text=text, **fields)


def on_partition(partition: int, text: str, partitions: int = RECEIVED.partitions
                 ) -> ComplaintReceived:
    """A complaint whose key lands on `partition` of complaints.received: once it is routed,
    everything produced to that partition before it has been handled (one agent, in order)."""
    while True:
        event = complaint(text)
        if partition_of(event.complaint_id.encode(), partitions) == partition:
            return event


async def end_offsets(settings: RuntimeSettings, topic: str) -> int:
    """How many records a topic of this run holds (its topics start empty, keep everything)."""
    partitions = {s.name: s.partitions for s in catalogue(settings.directory())}[topic]
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                                group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        name = settings.topic(topic)
        ends = await consumer.end_offsets([TopicPartition(name, p) for p in range(partitions)])
        return sum(ends.values())
    finally:
        await consumer.stop()


async def settle(watch: Watcher, *topics: str, timeout: float = 30.0) -> None:
    """Wait until the watcher has read every record the broker holds on `topics` right now."""
    for topic in topics:
        total = await end_offsets(watch.settings, topic)
        name = watch.settings.topic(topic)
        await watch.wait_for(lambda r, n=name: r.topic == n, count=total, timeout=timeout)
    await asyncio.sleep(0)
