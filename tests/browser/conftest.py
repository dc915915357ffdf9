"""Browser tests: Debian's chromium driven by Playwright (pytest-playwright-asyncio, in the
suite's session event loop), against intake, router, sla and the console as processes on the
real stack, each run with a database of its own. Screenshots of every open page are saved under
var/browser/failures/ when a test fails."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from playwright.async_api import Browser, BrowserContext, Page

from schemas.topics import catalogue
from services.runtime.admin import ensure_topics
from services.runtime.settings import RuntimeSettings
from tests.support.processes import ServiceProcess, free_port, stop_all, tanggap_bin
from tests.support.stack import service_env, spread_tickets, wait_for_topics

ROOT = Path(__file__).resolve().parents[2]
FAILURES = ROOT / "var" / "browser" / "failures"
SCREENS = ROOT / "var" / "browser" / "screens"
PASSWORD = "sandi-uji-peramban-1"
# What the closed network here needs: no background connections, no sandbox (root in CI),
# no GPU. Playwright gives every launch a fresh temporary profile (user-data dir) of its own.
FLAGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-gpu", "--disable-quic"]


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """Launch Debian's chromium (installed by `make setup`), not a downloaded one."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is missing: `make setup` installs it as root "
                    "(apt-get install -y chromium)")
    return {"executable_path": executable, "headless": True, "args": FLAGS}


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@dataclass
class Stack:
    intake: str
    console: str
    web_key: str
    procs: dict[str, ServiceProcess]
    env: dict[str, str]


def _tanggap(env: dict[str, str], *args: str, extra: dict[str, str] | None = None) -> str:
    done = subprocess.run([tanggap_bin(), *args], env={**env, **(extra or {})},
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture(scope="package")
async def browser_database(stack: RuntimeSettings, prefix: str) -> AsyncIterator[str]:
    name = "tanggap_browser_" + prefix.strip(".")
    admin = await asyncpg.connect(stack.database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = urlunsplit(urlsplit(stack.database_url)._replace(path=f"/{name}"))
    await spread_tickets(url)
    yield url
    admin = await asyncpg.connect(stack.database_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="package")
async def browser_topics(stack: RuntimeSettings) -> RuntimeSettings:
    """A topic namespace of the browser stack's own (inside the run's, deleted with it).

    The console reads every lifecycle topic from the start. On the run's namespace it would
    first replay each earlier test's events, and it could hold another database's case under
    the same ticket number, so that a status page read by ticket showed that case instead.
    """
    own = RuntimeSettings(topic_prefix=f"{stack.topic_prefix}br.")
    specs = catalogue(own.directory())
    await ensure_topics(own, specs)
    await wait_for_topics(own, *(spec.name for spec in specs))
    return own


@pytest.fixture(scope="package")
async def services(browser_topics: RuntimeSettings, browser_database: str,
                   tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    ports = {name: free_port() for name in ("intake", "router", "sla", "console")}
    env = service_env(browser_topics.topic_prefix, DATABASE_URL=browser_database,
                      TANGGAP_VAR_DIR=str(tmp_path_factory.mktemp("browser-var")))
    console_key = _tanggap(env, "intake", "keys", "create", "call_center", "--name", "console")
    web_key = _tanggap(env, "intake", "keys", "create", "web", "--name", "browser-tests")
    for user, role, agency in (("operator", "operator", None), ("pupr", "agency", "dinas-pupr"),
                               ("dlh", "agency", "dlh"), ("kepala", "supervisor", None)):
        _tanggap(env, "console", "users", "create", user, "--role", role,
                 *(("--agency", agency) if agency else ()),
                 extra={"TANGGAP_CONSOLE_PASSWORD": PASSWORD})
    env.update(TANGGAP_INTAKE_PORT=str(ports["intake"]),
               TANGGAP_ROUTER_WEB_PORT=str(ports["router"]),
               TANGGAP_SLA_WEB_PORT=str(ports["sla"]),
               TANGGAP_CONSOLE_PORT=str(ports["console"]),
               TANGGAP_CONSOLE_INTAKE_URL=f"http://127.0.0.1:{ports['intake']}",
               TANGGAP_CONSOLE_INTAKE_KEY=console_key,
               TANGGAP_CONSOLE_SECRET_KEY=uuid.uuid4().hex,
               TANGGAP_CONSOLE_POLL_SECONDS="2")
    procs = {name: ServiceProcess(name, port, env, tag=f"browser-{name}")
             for name, port in ports.items()}
    try:
        for proc in procs.values():
            await proc.start(timeout=90)
        yield Stack(procs["intake"].url, procs["console"].url, web_key, procs, env)
    finally:
        stop_all(procs.values())


class Pages:
    """One browser context (its own cookies, a fresh profile) per person in a test."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.contexts: list[BrowserContext] = []
        self.opened: dict[str, Page] = {}

    async def open(self, name: str, width: int = 1280, height: int = 900) -> Page:
        context = await self.browser.new_context(locale="id-ID", timezone_id="Asia/Pontianak",
                                                 viewport={"width": width, "height": height})
        self.contexts.append(context)
        page = await context.new_page()
        page.set_default_timeout(30_000)
        self.opened[name] = page
        return page


@pytest.fixture
async def pages(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Pages]:
    """People's browser windows; each one's screenshot is saved if the test fails."""
    held = Pages(browser)
    yield held
    if request.node.stash.get(FAILED, False):
        FAILURES.mkdir(parents=True, exist_ok=True)
        for name, page in held.opened.items():
            safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{request.node.name}-{name}")
            await page.screenshot(path=str(FAILURES / f"{safe}.png"), full_page=True)
    for context in held.contexts:
        await context.close()


async def sign_in(page: Page, base: str, username: str) -> None:
    await page.goto(f"{base}/masuk")
    await page.get_by_label("Nama pengguna").fill(username)
    await page.get_by_label("Kata sandi").fill(PASSWORD)
    await page.get_by_role("button", name="Masuk").click()
    await page.wait_for_url(re.compile(r"/(operator/antrian|instansi)$"))


async def screenshot(page: Page, name: str) -> None:
    """Kept for people to look at (var/browser/screens/), whatever the outcome."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)
