"""The console in process (FastAPI TestClient) on the real stack: its own database per run,
accounts of every role, and a projection seeded with events applied the consumer's way."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from fastapi.testclient import TestClient

from schemas.envelope import Event
from services.console import accounts, store
from services.console.access import Role
from services.console.app import create_app
from services.console.projection import change_for
from services.console.settings import ConsoleSettings
from services.console.state import ConsoleState
from services.runtime.settings import RuntimeSettings

PASSWORD = "kata-sandi-uji-123"
USERS = [("op1", Role.OPERATOR, None), ("op2", Role.OPERATOR, None),
         ("spv", Role.SUPERVISOR, None), ("pupr", Role.AGENCY, "dinas-pupr"),
         ("dlh", Role.AGENCY, "dlh")]
NOW = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)  # 14.00 WIB


@pytest.fixture(scope="package")
async def console_database(stack: RuntimeSettings, prefix: str) -> AsyncIterator[str]:
    name = "tanggap_console_" + prefix.strip(".")
    admin = await asyncpg.connect(stack.database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield urlunsplit(urlsplit(stack.database_url)._replace(path=f"/{name}"))
    admin = await asyncpg.connect(stack.database_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="package")
def console_settings(stack: RuntimeSettings, console_database: str,
                     tmp_path_factory: pytest.TempPathFactory) -> ConsoleSettings:
    return ConsoleSettings(topic_prefix=stack.topic_prefix, database_url=console_database,
                           console_consumers=False, console_secret_key="uji-rahasia-konsol",
                           var_dir=Path(tmp_path_factory.mktemp("console-var")),
                           console_intake_url="http://127.0.0.1:9",
                           # every test signs in from the one TestClient address
                           console_signin_address_burst=10_000)


class Console:
    """A TestClient on the app, with helpers that run in the app's own event loop."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.state: ConsoleState = client.app.state.console  # type: ignore[attr-defined]
        self.now = NOW
        self.state.now = lambda: self.now

    def run(self, fn, *args):  # type: ignore[no-untyped-def]
        assert self.client.portal is not None
        return self.client.portal.call(fn, *args)

    def seed(self, *events: Event, topic: str = "test") -> None:
        async def apply() -> None:
            for event in events:
                change = change_for(event)
                assert change is not None, event
                async with self.state.pool.acquire() as conn, conn.transaction():
                    await store.apply(conn, event, topic, change)
        self.run(apply)

    def signed_in(self, username: str) -> TestClient:
        """A fresh client (own cookie jar) signed in as `username`."""
        other = TestClient(self.client.app, follow_redirects=False)
        other.portal = self.client.portal  # share the running app; no second lifespan
        page = other.get("/masuk")
        token = re.search(r'name="token" value="([^"]+)"', page.text)
        assert token, page.text
        done = other.post("/masuk", data={"username": username, "password": PASSWORD,
                                          "token": token.group(1)})
        assert done.status_code == 303, done.text
        return other


def csrf_of(page_text: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page_text)
    assert found, "no CSRF field on the page"
    return found.group(1)


@pytest.fixture(scope="package")
def console(console_settings: ConsoleSettings) -> Iterator[Console]:
    app = create_app(console_settings)
    with TestClient(app, follow_redirects=False) as client:
        helper = Console(client)

        async def users() -> None:
            hashed = helper.state.hasher.hash(PASSWORD)
            for username, role, agency in USERS:
                await accounts.create_user(helper.state.pool, username, username.upper(), role,
                                           agency, hashed)
        helper.run(users)
        yield helper


def new_id() -> str:
    return f"c-{uuid.uuid4().hex[:12]}"


def at(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)
