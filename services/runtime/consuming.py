"""The one way a plain aiokafka consumer group is opened: commits only after the work is done.

Intake's consumers, the audit indexer and the console's projection run their own getmany loops
(not Faust); they share these options: no auto-commit (aiokafka's default would commit before
a record was handled), from the beginning, read committed, the session timeout of the settings,
and the cluster's security options.
"""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer

from services.runtime.kafka_security import kafka_client_options
from services.runtime.settings import RuntimeSettings


def committing_consumer(settings: RuntimeSettings, topics: Any, group: str,
                        **extra: Any) -> AIOKafkaConsumer:
    """A consumer of `topics` (physical names) in `group` that the caller commits itself."""
    timeout_ms = int(settings.session_timeout_seconds * 1000)
    return AIOKafkaConsumer(
        *topics, bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=group, client_id=group, enable_auto_commit=False,
        auto_offset_reset="earliest", isolation_level="read_committed",
        session_timeout_ms=timeout_ms, heartbeat_interval_ms=max(1000, timeout_ms // 5),
        metadata_max_age_ms=30_000, **kafka_client_options(settings), **extra)
