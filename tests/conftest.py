"""Session fixtures: the real stack, a topic namespace per run, and its topics created."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from schemas.topics import catalogue
from services.runtime.admin import ensure_topics
from services.runtime.settings import RuntimeSettings
from tests.support.stack import (
    create_run_database,
    delete_topics_with_prefix,
    drop_run_database,
    require_stack,
    run_prefix,
)

FAULTS_REPORT = Path(__file__).resolve().parents[1] / "var" / "faults-report.txt"
_REPORT_START = pytest.StashKey[int]()  # its size when the run began


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller (or a run without workers)
        config.stash[_REPORT_START] = FAULTS_REPORT.stat().st_size if FAULTS_REPORT.exists() else 0


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            config: pytest.Config) -> None:
    """Under xdist the workers' prints are not shown: show what the fault suite reported."""
    if getattr(config.option, "numprocesses", None) and FAULTS_REPORT.exists():
        with FAULTS_REPORT.open(encoding="utf-8") as f:
            f.seek(config.stash.get(_REPORT_START, 0))
            text = f.read().strip()
        if text:
            terminalreporter.section("fault suite counts")
            terminalreporter.write_line(text)


@pytest.fixture(scope="session")
def prefix() -> str:
    return run_prefix()


@pytest.fixture(scope="session")
async def stack(prefix: str) -> AsyncIterator[RuntimeSettings]:
    """Settings pointing at the real Kafka and PostgreSQL, with this run's topics created.

    The run also gets a database of its own, made the process's DATABASE_URL, so that the
    services, CLI calls and pools of two runs at once (pytest-xdist workers) never share a
    table: a ticket or a de-duplicated message of one run is never found by the other.
    """
    shared = RuntimeSettings(topic_prefix=prefix)
    require_stack(shared)
    own = await create_run_database(shared.database_url, prefix)
    before = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = own
    try:
        settings = RuntimeSettings(topic_prefix=prefix)
        await ensure_topics(settings, catalogue(settings.directory()))
        yield settings
        await delete_topics_with_prefix(settings, prefix)
    finally:
        if before is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = before
        await drop_run_database(shared.database_url, own)
