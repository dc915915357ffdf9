"""The console's FastAPI application; connections open in the lifespan, never at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
from aiokafka.errors import KafkaError
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from services.console.audit_reader import audit_reader
from services.console.consumer import ProjectionConsumer, Projector
from services.console.contact_reader import intake_contact_reader
from services.console.ratelimit import Buckets
from services.console.security import Hasher, Signer
from services.console.settings import ConsoleSettings
from services.console.state import ConsoleState, tenant_lists
from services.console.web import (
    agency_routes,
    auth_routes,
    case_routes,
    operator_routes,
    public_routes,
    taken_routes,
)
from services.console.web.deps import SignInRequired, render
from services.console.wording import Formats
from services.runtime.database import connect, migrate
from services.runtime.producer import EventProducer
from services.runtime.web import ops_router

HERE = Path(__file__).resolve().parent
MIGRATIONS = HERE / "migrations"
ROUTE_MODULES = (auth_routes, operator_routes, taken_routes, case_routes, agency_routes,
                 public_routes)
SECURITY_HEADERS = {
    # Everything is served from here; htmx needs no inline script or eval.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; "
                               "form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


async def build_state(conf: ConsoleSettings, stack: AsyncExitStack) -> ConsoleState:
    pool = await connect(conf.database_url, "console", max_size=10)
    stack.push_async_callback(pool.close)
    await migrate(pool, "console", MIGRATIONS)
    producer = EventProducer(conf, client_id=conf.group("console"))
    await producer.start()
    stack.push_async_callback(producer.stop)
    http = await stack.enter_async_context(httpx.AsyncClient(timeout=15.0))
    directory = conf.directory()
    suggestions, kecamatan = tenant_lists(conf)
    state = ConsoleState(
        conf, pool, producer, http, directory, Hasher(), Signer(conf.secret_key()),
        Formats(directory.regency.timezone),
        Buckets(rate=1 / conf.console_signin_every_seconds, burst=conf.console_signin_burst),
        Buckets(rate=10 / conf.console_signin_every_seconds,
                burst=conf.console_signin_address_burst),
        Buckets(rate=1 / conf.console_status_every_seconds, burst=conf.console_status_burst),
        suggestions, kecamatan)
    if conf.console_audit_url and conf.console_audit_key is not None:
        state.timeline = audit_reader(http, conf.console_audit_url,
                                      conf.console_audit_key.get_secret_value(), state.timeline)
    if conf.console_intake_operator_key is not None:
        state.contact = intake_contact_reader(
            http, conf.console_intake_url, conf.console_intake_operator_key.get_secret_value())
    return state


def create_app(settings: ConsoleSettings | None = None) -> FastAPI:
    """Build the console app; settings are read from the environment if not given."""
    conf = settings or ConsoleSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            state = await build_state(conf, stack)
            app.state.console = state
            if conf.console_consumers:
                consumer = ProjectionConsumer(conf, Projector(conf, state.pool, state.producer),
                                              group=conf.console_group)
                await consumer.start()
                stack.push_async_callback(consumer.stop)
            yield

    app = FastAPI(title="tanggap console", version="0.1.0", lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None,
                  max_body_size=conf.console_max_body_bytes)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(SignInRequired)
    async def to_signin(request: Request, exc: SignInRequired) -> Response:
        if request.headers.get("hx-request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": "/masuk"})
        return RedirectResponse("/masuk", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        state: ConsoleState = request.app.state.console
        page = render(request, state, "error.html", {"code": exc.status_code,
                                                     "detail": exc.detail},
                      status_code=exc.status_code)
        page.headers.update(exc.headers or {})
        return page

    @app.exception_handler(KafkaError)
    async def kafka_down(request: Request, exc: KafkaError) -> Response:
        return HTMLResponse("<p>Penyimpan peristiwa (Kafka) tidak tersedia; kirim ulang "
                            "formulir yang sama sebentar lagi.</p>", status_code=503,
                            headers={"Retry-After": "5"})

    for module in ROUTE_MODULES:
        app.include_router(module.router)
    app.include_router(ops_router("console"))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app
