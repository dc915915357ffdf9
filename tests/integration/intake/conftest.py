"""Intake on the real stack: its own database per run, keys, a Graph API stand-in, a watcher."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiohttp import web

from schemas.enums import Channel
from schemas.topics import ACKNOWLEDGED, NOTIFY_REQUESTS, RECEIVED, SUBMISSIONS, UPDATED
from services.intake.access.adapter_keys import KeyExists, create_key, find_key
from services.intake.app import MIGRATIONS
from services.runtime.database import connect, migrate
from services.runtime.settings import RuntimeSettings
from tests.support.kafka import Watcher
from tests.support.processes import ServiceProcess, free_port
from tests.support.stack import service_env, spread_tickets
from tests.unit.intake.samples import (
    CHANNELS,
    META_SECRET,
    META_VERIFY_TOKEN,
    OPEN311_KEY,
    OWN_MAIL,
    OWN_META,
    OWN_X,
    X_SECRET,
    raw,
)

GRAPH_TOKEN = "uji-token-graph"
MEDIA_CAP = 64 * 1024
EnvFor = Callable[..., dict[str, str]]  # (port, **overrides) -> environment


@pytest.fixture(scope="package")
async def intake_database(stack: RuntimeSettings, prefix: str) -> AsyncIterator[str]:
    """A database of its own for this run: byte-exact samples (fixed message ids) open new
    cases every run, and ticket numbers of their own (spread_tickets)."""
    name = "tanggap_" + prefix.strip(".")
    admin = await asyncpg.connect(stack.database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    parts = urlsplit(stack.database_url)
    url = urlunsplit(parts._replace(path=f"/{name}"))
    await spread_tickets(url)
    yield url
    admin = await asyncpg.connect(stack.database_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="package")
async def intake_pool(intake_database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await connect(intake_database, "intake", max_size=4)
    await migrate(pool, "intake", MIGRATIONS)
    yield pool
    await pool.close()


@pytest.fixture(scope="package")
async def keys(intake_pool: asyncpg.Pool) -> dict[str, str]:
    """An adapter key per channel under test, each with room for the whole run's requests."""
    made = {}
    for channel in (Channel.WEB, Channel.WHATSAPP, Channel.X, Channel.EMAIL):
        _, made[channel.value] = await create_key(intake_pool, channel, f"test-{channel}",
                                                  1000.0, 1000)
    try:
        await create_key(intake_pool, Channel.OPEN311, "lapor-app", 1000.0, 1000, OPEN311_KEY)
    except KeyExists:
        pass
    found = await find_key(intake_pool, OPEN311_KEY)
    assert found is not None and found.channel is Channel.OPEN311
    made["open311"] = OPEN311_KEY
    return made


@dataclass
class FakeMedia:
    """A WhatsApp media Meta holds for us, and how many of the next reads of it fail."""

    content: bytes
    mime_type: str = "image/jpeg"
    fail_lookups: int = 0  # `GET /{media-id}` answered 500, as in an outage
    expire_urls: int = 0  # `GET url` answered 404, as an expired url is
    corrupt: int = 0  # `GET url` answered with bytes that are not the announced ones
    announced_size: int | None = None  # file_size, if not the content's
    lookups: int = 0
    fetches: list[str] = field(default_factory=list)  # the Authorization of each `GET url`


class GraphStandIn:
    """Answers Graph API reads with the sample mention lookup and keeps each query; while
    `failing`, answers 500 as the Graph API does in an outage. Media ids in `media` are
    answered as the WhatsApp Cloud API does: their url, type, sha256 and size, then the bytes
    behind the url, both for our bearer token only."""

    def __init__(self) -> None:
        self.port = free_port()
        self.queries: list[tuple[str, dict[str, str]]] = []
        self.failing = False
        self.media: dict[str, FakeMedia] = {}
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _media_answer(self, request: web.Request, media_id: str) -> web.Response:
        held = self.media[media_id]
        held.lookups += 1
        if request.headers.get("Authorization") != f"Bearer {GRAPH_TOKEN}":
            return web.json_response({"error": {"message": "Invalid OAuth access token",
                                                "type": "OAuthException", "code": 190}},
                                     status=401)
        if held.fail_lookups:
            held.fail_lookups -= 1
            return web.json_response({"error": {"message": "An unexpected error has occurred."
                                                " Please retry your request later.",
                                                "code": 2, "is_transient": True}}, status=500)
        size = held.announced_size if held.announced_size is not None else len(held.content)
        return web.json_response({
            "messaging_product": "whatsapp", "id": media_id, "mime_type": held.mime_type,
            "url": f"{self.url}/whatsapp_business/attachments/?mid={media_id}&ext=1773019000",
            "sha256": hashlib.sha256(held.content).hexdigest(), "file_size": str(size)})

    def _media_bytes(self, request: web.Request) -> web.Response:
        held = self.media[request.query["mid"]]
        held.fetches.append(request.headers.get("Authorization", ""))
        if request.headers.get("Authorization") != f"Bearer {GRAPH_TOKEN}":
            return web.Response(status=401)
        if held.expire_urls:
            held.expire_urls -= 1
            return web.Response(status=404, text="URL signature expired")
        if held.corrupt:
            held.corrupt -= 1
            return web.Response(body=held.content[:-1] + b"\x00",
                                headers={"Content-Type": held.mime_type})
        return web.Response(body=held.content, headers={"Content-Type": held.mime_type})

    async def _answer(self, request: web.Request) -> web.Response:
        if request.path.startswith("/whatsapp_business/attachments"):
            return self._media_bytes(request)
        media_id = request.path.rsplit("/", 1)[-1]
        if media_id in self.media:
            return self._media_answer(request, media_id)
        if "fields" not in request.query:  # a media id no test registered (other tests' photos)
            return web.json_response({"error": {
                "message": f"Unsupported get request. Object with ID '{media_id}' does not "
                           "exist", "type": "GraphMethodException", "code": 100}}, status=400)
        self.queries.append((request.path, dict(request.query)))
        if self.failing:
            return web.json_response({"error": {"message": "An unknown error occurred",
                                                "code": 1, "is_transient": True}}, status=500)
        return web.Response(body=raw("instagram/mentioned-comment-lookup.json"),
                            content_type="application/json")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._answer)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()


@pytest.fixture(scope="package")
async def graph() -> AsyncIterator[GraphStandIn]:
    """Stands in for the Graph API that completes Instagram mentions."""
    stand_in = GraphStandIn()
    await stand_in.start()
    yield stand_in
    await stand_in.stop()


@pytest.fixture(scope="package")
def intake_env(stack: RuntimeSettings, intake_database: str, graph: GraphStandIn) -> EnvFor:
    """The environment of an intake process on a given port; secrets are the samples' own."""
    def env(port: int, **overrides: str) -> dict[str, str]:
        return service_env(
            stack.topic_prefix, TANGGAP_INTAKE_PORT=str(port), DATABASE_URL=intake_database,
            TANGGAP_META_APP_SECRET=META_SECRET, TANGGAP_META_VERIFY_TOKEN=META_VERIFY_TOKEN,
            TANGGAP_META_ACCESS_TOKEN=GRAPH_TOKEN, TANGGAP_META_GRAPH_URL=f"{graph.url}/v21.0",
            TANGGAP_X_CONSUMER_SECRET=X_SECRET,
            TANGGAP_META_OWN_ACCOUNT_IDS=json.dumps(sorted(OWN_META)),
            TANGGAP_X_OWN_ACCOUNT_IDS=json.dumps(sorted(OWN_X)),
            TANGGAP_EMAIL_OWN_ADDRESSES=json.dumps(sorted(OWN_MAIL)),
            TANGGAP_OPEN311_SERVICES_FILE=str(CHANNELS.parent / "open311-services.json"),
            TANGGAP_MAX_BODY_BYTES=str(64 * 1024),
            **{"TANGGAP_OUTBOX_SWEEP_SECONDS": "60", "TANGGAP_ENRICHMENT_POLL_SECONDS": "0.5",
               "TANGGAP_ENRICHMENT_BACKOFF_SECONDS": "0.5",
               "TANGGAP_ENRICHMENT_BACKOFF_MAX_SECONDS": "2",
               # Every intake of the run downloads media (they share the enrichment rows):
               # one small cap for all, so whichever claims a row decides the same.
               "TANGGAP_INTAKE_MEDIA_MAX_BYTES": str(MEDIA_CAP), **overrides})
    return env


OPERATOR_KEY = "tgo_intake-integration-key"  # the center operator "ani"'s


@pytest.fixture(scope="package")
async def operator_intake(intake_env: EnvFor, keys: dict[str, str]
                          ) -> AsyncIterator[ServiceProcess]:
    """An intake process that knows one operator key (configured as its sha256), for the
    operator-only routes: contact data, stored media."""
    port = free_port()
    digests = json.dumps({"ani": hashlib.sha256(OPERATOR_KEY.encode()).hexdigest()})
    process = await ServiceProcess("intake", port, intake_env(
        port, TANGGAP_OPERATOR_KEYS=digests), tag="it-intake-operator").start()
    yield process
    process.stop()


@pytest.fixture(scope="package")
async def intake(intake_env: EnvFor, keys: dict[str, str]) -> AsyncIterator[ServiceProcess]:
    """The intake process most tests share."""
    port = free_port()
    process = await ServiceProcess("intake", port, intake_env(port), tag="it-intake").start()
    yield process
    process.stop()


@pytest.fixture(scope="package")
async def watch(stack: RuntimeSettings) -> AsyncIterator[Watcher]:
    """Everything intake publishes in this run, read by an independent consumer."""
    async with Watcher(stack, RECEIVED.name, ACKNOWLEDGED.name, NOTIFY_REQUESTS.name,
                       SUBMISSIONS.dlq, UPDATED.name) as watcher:
        yield watcher
