"""Intake's background tasks besides the outbox sweep: deferred look-ups and the pullers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from services.intake.enrichment.job import enrich_cases
from services.intake.pullers.sources import pullers_for
from services.intake.state import IntakeState


@asynccontextmanager
async def background(state: IntakeState) -> AsyncIterator[list[asyncio.Task[None]]]:
    """Run the enrichment job and every configured puller until the app stops."""
    jobs: list[tuple[str, Coroutine[Any, Any, None]]] = [("enrich-cases", enrich_cases(state))]
    jobs += pullers_for(state)
    tasks = [asyncio.create_task(job, name=name) for name, job in jobs]
    try:
        yield tasks
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
