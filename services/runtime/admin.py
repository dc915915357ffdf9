"""Create the catalogue's topics, idempotently."""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from schemas.topics import TopicSpec
from services.runtime.kafka_security import kafka_client_options
from services.runtime.settings import RuntimeSettings


async def ensure_topics(settings: RuntimeSettings, specs: Iterable[TopicSpec]) -> list[str]:
    """Create every missing topic with its catalogue configuration; return the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers,
                                **kafka_client_options(settings))
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
        if not missing:
            return []
        # The broker's answer is the truth: list_topics can lag a fresh creation (KRaft
        # propagates metadata asynchronously), so "already exists" counts as present.
        response = await admin.create_topics(missing)
        created = []
        for name, code, *rest in response.topic_errors:
            if code == 0:
                created.append(name)
            elif code != 36:  # 36: TopicAlreadyExists
                raise RuntimeError(f"could not create topic {name}: error {code} {rest}")
        return created
    finally:
        await admin.close()
