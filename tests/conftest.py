"""Session fixtures: the real stack, a topic namespace per run, and its topics created."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from schemas.topics import catalogue
from services.runtime.admin import ensure_topics
from services.runtime.settings import RuntimeSettings
from tests.support.stack import delete_topics_with_prefix, require_stack, run_prefix


@pytest.fixture(scope="session")
def prefix() -> str:
    return run_prefix()


@pytest.fixture(scope="session")
async def stack(prefix: str) -> AsyncIterator[RuntimeSettings]:
    """Settings pointing at the real Kafka and PostgreSQL, with this run's topics created."""
    settings = RuntimeSettings(topic_prefix=prefix)
    require_stack(settings)
    await ensure_topics(settings, catalogue(settings.directory()))
    yield settings
    await delete_topics_with_prefix(settings, prefix)
