"""Intake's FastAPI application; connections open in the lifespan, never at import."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
from aiokafka.errors import KafkaError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from schemas.envelope import utcnow
from schemas.topics import SUBMISSIONS
from services.intake.answers.routes import router as answers_router
from services.intake.cases import outbox, submissions
from services.intake.cases.group import CaseGroups
from services.intake.channels.open311 import ServiceCatalogue
from services.intake.consumer import RecordConsumer
from services.intake.http.channels import router as channel_router
from services.intake.http.complaints import router
from services.intake.http.contact import router as contact_router
from services.intake.http.errors import validation_failed
from services.intake.http.media import router as media_router
from services.intake.http.open311 import router as open311_router
from services.intake.http.verdicts import router as verdicts_router
from services.intake.privacy.retention import sweep_retention
from services.intake.settings import IntakeSettings
from services.intake.state import IntakeState
from services.intake.status import lifecycle, verdict_store
from services.intake.tasks import background
from services.runtime import outage
from services.runtime.database import connect, migrate
from services.runtime.lag import LagExporter
from services.runtime.outage import DATABASE_UNAVAILABLE
from services.runtime.producer import EventProducer
from services.runtime.web import ops_router

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"


async def sweep_outbox(state: IntakeState) -> None:
    """Re-send what a Kafka outage or a crash left unpublished, until cancelled."""
    while True:
        await asyncio.sleep(state.settings.outbox_sweep_seconds)
        try:
            await outbox.publish_pending(state.pool, state.producer,
                                         state.settings.outbox_sweep_seconds)
        except (KafkaError, OSError, asyncpg.PostgresError) as exc:
            log.warning("outbox sweep failed, next in %ss: %s",
                        state.settings.outbox_sweep_seconds, exc)


async def sweep_verdicts(state: IntakeState) -> None:
    """Close the resolved cases whose citizens did not answer within the window."""
    while True:
        await asyncio.sleep(state.settings.intake_verdict_sweep_seconds)
        try:
            await verdict_store.close_unanswered(state, utcnow())
        except (KafkaError, OSError, asyncpg.PostgresError) as exc:
            log.warning("verdict sweep failed, next in %ss: %s",
                        state.settings.intake_verdict_sweep_seconds, exc)


def consumers(state: IntakeState) -> list[RecordConsumer]:
    """The raw submissions topic and the lifecycle projection, each its own group."""
    return [submissions.consumer(state), lifecycle.consumer(state)]


async def kafka_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The case is stored; only Kafka's acknowledgement is missing, so a retry completes it."""
    log.warning("kafka did not acknowledge for %s: %r", request.url.path, exc)
    return JSONResponse({"detail": "the event store is unavailable; retry later"},
                        status_code=503, headers={"Retry-After": "5"})




async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """Nothing was promised: the retry of the same message finds or opens its one case."""
    log.warning("database unavailable for %s: %r", request.url.path, exc)
    return JSONResponse({"detail": "the case store is unavailable; retry later"},
                        status_code=503, headers={"Retry-After": "5"})


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    """Build the intake app; settings are read from the environment if not given."""
    conf = settings or IntakeSettings()
    outage.configure(conf.database_outage_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            pool = await connect(conf.database_url, "intake", max_size=conf.intake_pool_size)
            stack.push_async_callback(pool.close)
            await migrate(pool, "intake", MIGRATIONS)
            producer = EventProducer(conf, client_id=conf.group("intake"))
            await producer.start()
            stack.push_async_callback(producer.stop)
            http = await stack.enter_async_context(httpx.AsyncClient(timeout=10.0))
            regency = conf.directory().regency
            state = IntakeState(conf, pool, producer, http,
                                ServiceCatalogue.load(conf.open311_services_file),
                                regency.center, regency.timezone)
            state.groups = CaseGroups(pool, producer, conf.intake_group_max,
                                      conf.intake_group_flushers)
            stack.push_async_callback(state.groups.stop)
            app.state.intake = state
            await outbox.publish_pending(pool, producer)  # what a crash left unsent
            if conf.intake_consumers:
                for consumer in consumers(state):
                    await consumer.start()
                    stack.push_async_callback(consumer.stop)
                for group, topics in (("intake-submissions", [SUBMISSIONS.name]),
                                      ("intake-status", [t.name for t in lifecycle.TOPICS])):
                    lag = LagExporter(conf, group, topics)  # tanggap_consumer_lag_records
                    await lag.start()
                    stack.push_async_callback(lag.stop)
            sweeper = asyncio.create_task(sweep_outbox(state), name="outbox-sweep")
            stack.callback(sweeper.cancel)
            closer = asyncio.create_task(sweep_verdicts(state), name="verdict-sweep")
            stack.callback(closer.cancel)
            retention = asyncio.create_task(sweep_retention(pool, conf), name="retention")
            stack.callback(retention.cancel)
            await stack.enter_async_context(background(state))  # look-ups, pullers
            yield

    app = FastAPI(title="tanggap intake", version="0.1.0", lifespan=lifespan,
                  max_body_size=conf.max_body_bytes,
                  description="Complaint intake: channel adapters post complaints, citizens "
                              "read their case's status by ticket.")
    app.add_exception_handler(KafkaError, kafka_unavailable)
    app.add_exception_handler(RequestValidationError, validation_failed)
    for error in DATABASE_UNAVAILABLE:
        app.add_exception_handler(error, database_unavailable)
    app.include_router(router)
    app.include_router(channel_router)
    app.include_router(open311_router)
    app.include_router(answers_router)
    app.include_router(verdicts_router)
    app.include_router(contact_router)
    app.include_router(media_router)
    app.include_router(__import__("services.intake.http.operator", fromlist=["router"]).router)
    app.include_router(ops_router("intake"))
    return app
