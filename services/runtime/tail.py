"""Print a topic's records, for operators and the README's demo."""

from __future__ import annotations

import sys

from aiokafka import AIOKafkaConsumer

from services.runtime.kafka_security import kafka_client_options
from services.runtime.settings import RuntimeSettings


async def tail_topic(topic: str, from_beginning: bool) -> None:
    settings = RuntimeSettings()
    consumer = AIOKafkaConsumer(
        settings.topic(topic), bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest" if from_beginning else "latest", enable_auto_commit=False,
        **kafka_client_options(settings),
    )
    await consumer.start()
    try:
        async for record in consumer:
            value = record.value.decode(errors="replace") if record.value else "null"
            sys.stdout.write(value + "\n")
            sys.stdout.flush()
    finally:
        await consumer.stop()
