"""Topic bootstrap against the real broker: idempotent, and with the catalogue's settings."""

from __future__ import annotations

import asyncio
import uuid

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from schemas.topics import RECEIVED, SUBMISSIONS, catalogue
from services.runtime.admin import ensure_topics
from services.runtime.settings import RuntimeSettings
from tests.support.stack import delete_topics_with_prefix


async def test_bootstrap_creates_every_topic_once_with_catalogue_config(
        stack: RuntimeSettings) -> None:
    settings = stack.model_copy(update={"topic_prefix": f"boot{uuid.uuid4().hex[:6]}."})
    specs = catalogue(settings.directory())
    created = await ensure_topics(settings, specs)
    assert len(created) == len(specs)
    assert await ensure_topics(settings, specs) == []

    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        async def partitions() -> int:
            described = await admin.describe_topics([settings.topic(RECEIVED.name)])
            return len(described[0]["partitions"])

        async with asyncio.timeout(10):  # a fresh topic's metadata reaches the broker async
            while await partitions() != RECEIVED.partitions:  # noqa: ASYNC110 - polling a broker
                await asyncio.sleep(0.1)
        configs = await admin.describe_configs([
            ConfigResource(ConfigResourceType.TOPIC, settings.topic(RECEIVED.name)),
            ConfigResource(ConfigResourceType.TOPIC, settings.topic(SUBMISSIONS.name)),
        ])
        values = {res[3]: {c[0]: c[1] for c in res[4]} for r in configs for res in r.resources}
        assert values[settings.topic(RECEIVED.name)]["retention.ms"] == "-1"
        assert (values[settings.topic(SUBMISSIONS.name)]["retention.ms"]
                == str(SUBMISSIONS.retention_ms))
    finally:
        await admin.close()
        await delete_topics_with_prefix(settings, settings.topic_prefix)
