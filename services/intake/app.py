"""Intake's FastAPI application; connections open in the lifespan, never at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from schemas.topics import RECEIVED
from services.intake import cases
from services.intake.answers import router as answers_router
from services.intake.routes import router
from services.intake.settings import IntakeSettings
from services.intake.state import IntakeState
from services.runtime.database import connect, migrate
from services.runtime.producer import EventProducer
from services.runtime.web import ops_router

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"


async def republish_unpublished(state: IntakeState) -> int:
    """Send events of cases a crash left unpublished; same event id, so no duplicate case."""
    pending = await cases.unpublished(state.pool)
    for event in pending:
        await state.producer.send(RECEIVED.name, event)
        await cases.mark_published(state.pool, event.complaint_id)
    return len(pending)


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    """Build the intake app; settings are read when the app starts if not given."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        conf = settings or IntakeSettings()
        pool = await connect(conf.database_url, "intake")
        await migrate(pool, "intake", MIGRATIONS)
        producer = EventProducer(conf, client_id=conf.group("intake"))
        await producer.start()
        state = IntakeState(conf, pool, producer)
        app.state.intake = state
        republished = await republish_unpublished(state)
        if republished:
            log.warning("republished %d unpublished cases", republished)
        try:
            yield
        finally:
            await producer.stop()
            await pool.close()

    app = FastAPI(title="tanggap intake", version="0.1.0", lifespan=lifespan)
    app.include_router(router)
    app.include_router(answers_router)
    app.include_router(ops_router("intake"))
    return app
