"""Read what the console sent to Kafka, from a sync test, in the app's event loop."""

from __future__ import annotations

from collections.abc import Callable

from schemas.envelope import Event
from tests.integration.console.conftest import Console
from tests.support.kafka import Watcher


def sent(console: Console, topic: str, match: Callable[[Event], bool], count: int = 1
         ) -> list[Event]:
    async def read() -> list[Event]:
        async with Watcher(console.state.settings, topic) as watch:
            return await watch.wait_event(topic, match, count=count, timeout=60)
    return console.run(read)
