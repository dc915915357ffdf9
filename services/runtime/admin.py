"""Create the catalogue's topics, idempotently."""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from schemas.topics import TopicSpec
from services.runtime.settings import RuntimeSettings


async def ensure_topics(settings: RuntimeSettings, specs: Iterable[TopicSpec]) -> list[str]:
    """Create every missing topic with its catalogue configuration; return the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                name=settings.topic(spec.name),
                num_partitions=spec.partitions,
                replication_factor=settings.replication_factor,
                topic_configs=spec.config(),
            )
            for spec in specs
            if settings.topic(spec.name) not in existing
        ]
        if missing:
            response = await admin.create_topics(missing)
            for name, code, *rest in getattr(response, "topic_errors", []) or []:
                if code not in (0, 36):  # 36: created concurrently by another bootstrap
                    raise RuntimeError(f"could not create topic {name}: error {code} {rest}")
        return [t.name for t in missing]
    finally:
        await admin.close()
