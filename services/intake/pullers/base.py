"""What every puller shares: where its items go (a sink), where it stopped, how it retries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import asyncpg
import httpx
import orjson
from aiokafka.errors import KafkaError

from schemas.envelope import utcnow
from services.intake.cases.accept import accept
from services.intake.cases.amend import apply_amendment, apply_waiting
from services.intake.channels.inbound import Inbound
from services.intake.metrics import PULLED

log = logging.getLogger(__name__)


class PullFailed(Exception):
    """The source answered, but with an error (an API error code, a malformed page)."""


# What a failed poll raises and the loop retries after a backoff; anything else crashes.
RETRIED = (httpx.HTTPError, PullFailed, ValueError, KafkaError, OSError, asyncpg.PostgresError)


class Sink(Protocol):
    async def submit(self, source: str, inbound: Inbound) -> None: ...


class Cursors(Protocol):
    async def load(self, source: str) -> dict[str, Any]: ...

    async def save(self, source: str, cursor: dict[str, Any]) -> None: ...


class IntakeSink:
    """Pulled items take the same path as pushed ones: one case per message, edits amend it."""

    def __init__(self, state: Any) -> None:
        self.state = state

    async def submit(self, source: str, inbound: Inbound) -> None:
        now = utcnow()
        for reason in inbound.rejected:
            log.warning("%s item refused: %s", source, reason)
        PULLED.labels(source=source, outcome="ignored").inc(inbound.ignored)
        PULLED.labels(source=source, outcome="rejected").inc(len(inbound.rejected))
        for submission in inbound.submissions:
            _, duplicate = await accept(self.state, submission, now)
            PULLED.labels(source=source, outcome="duplicate" if duplicate else "new").inc()
        for waited in await apply_waiting(self.state, inbound.submissions, now):
            PULLED.labels(source=source, outcome=waited.outcome).inc()
        for amendment in inbound.amendments:
            done = await apply_amendment(self.state, amendment, now)
            PULLED.labels(source=source, outcome=done.outcome).inc()


class PgCursors:
    """Cursors in intake's PostgreSQL, so a restart resumes where the puller stopped."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def load(self, source: str) -> dict[str, Any]:
        raw = await self.pool.fetchval("SELECT cursor FROM puller_cursors WHERE source = $1",
                                       source)
        return orjson.loads(raw) if raw else {}

    async def save(self, source: str, cursor: dict[str, Any]) -> None:
        await self.pool.execute(
            "INSERT INTO puller_cursors (source, cursor) VALUES ($1, $2) ON CONFLICT (source)"
            " DO UPDATE SET cursor = excluded.cursor, updated_at = now()",
            source, orjson.dumps(cursor).decode())


class MemoryCursors:
    """Cursors in a dict: for tests and one-off runs."""

    def __init__(self) -> None:
        self.saved: dict[str, dict[str, Any]] = {}

    async def load(self, source: str) -> dict[str, Any]:
        return dict(self.saved.get(source, {}))

    async def save(self, source: str, cursor: dict[str, Any]) -> None:
        self.saved[source] = dict(cursor)


def backoff(failures: int, base: float, cap: float) -> float:
    """Seconds to wait after `failures` failures in a row (0: the normal interval)."""
    return base if failures == 0 else min(cap, base * 2 ** failures)


async def every(name: str, interval: float, poll: Callable[[], Awaitable[None]],
                cap: float = 900.0) -> None:
    """Poll every `interval` seconds until cancelled; failures back off up to `cap`."""
    failures = 0
    while True:
        try:
            await poll()
            failures = 0
        except RETRIED as exc:
            failures += 1
            log.warning("puller %s failed (%d in a row): %r", name, failures, exc)
        await asyncio.sleep(backoff(failures, interval, cap))
