"""The fault suite's scale: short inside `make test`, long with `make test-faults`.

`TANGGAP_FAULTS=long` (set by `make test-faults`) selects the long version; anything else runs
the short one, so a plain `pytest -q` stays within a few minutes. Sizes can be overridden one
by one (TANGGAP_FAULTS_COMPLAINTS, _KILLS, _RATE) for a run in between.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.runtime.settings import RuntimeSettings
from tests.support.pipeline import Pipeline
from tests.support.receiver import Receiver


@dataclass(frozen=True)
class Scale:
    name: str
    complaints: int  # accepted complaints per steady load
    kills: int  # kill -9 per service
    rate: float  # complaints per second the load offers


def scale_from_env() -> Scale:
    long = os.environ.get("TANGGAP_FAULTS", "short") == "long"
    base = Scale("long", 3000, 3, 15.0) if long else Scale("short", 240, 1, 12.0)
    return Scale(base.name,
                 int(os.environ.get("TANGGAP_FAULTS_COMPLAINTS", base.complaints)),
                 int(os.environ.get("TANGGAP_FAULTS_KILLS", base.kills)),
                 float(os.environ.get("TANGGAP_FAULTS_RATE", base.rate)))


@pytest.fixture(scope="session")
def scale() -> Scale:
    return scale_from_env()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.faults)


REPORT = Path(__file__).resolve().parents[2] / "var" / "faults-report.txt"


@pytest.fixture
def report(capsys: pytest.CaptureFixture[str]) -> Callable[[str], None]:
    """Print counts past pytest's capture (so `make test` shows them) and keep them in
    var/faults-report.txt (under xdist, tests/conftest.py prints this run's part of it)."""
    def emit(text: str) -> None:
        if "PYTEST_XDIST_WORKER" not in os.environ:  # else the controller prints the file
            with capsys.disabled():
                print(text, flush=True)
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        with REPORT.open("a", encoding="utf-8") as f:
            f.write(text.rstrip("\n") + "\n")
    return emit


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A directory under var/ for the test's files: pytest's tmp_path is pruned by other
    pytest sessions of the same user, and is closed to the PostgreSQL system user."""
    path = Path(__file__).resolve().parents[2] / "var" / "faults" / uuid.uuid4().hex[:8]
    path.mkdir(parents=True)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
async def inbox() -> AsyncIterator[Receiver]:
    """Every agency's webhook: answers 204 and keeps each request."""
    async with Receiver() as receiver:
        yield receiver


@pytest.fixture
async def pipeline_for(stack: RuntimeSettings, inbox: Receiver, workdir: Path
                       ) -> AsyncIterator[object]:
    """Start a pipeline (some or all services) on the shared stack; stopped after the test."""
    started: list[Pipeline] = []

    async def start(*services: str, **env: str) -> Pipeline:
        tag = uuid.uuid4().hex[:6]
        # Topics and groups of their own (under the session's prefix, which the session
        # deletes at its end): no test reads another's records or offsets.
        own = stack.model_copy(update={"topic_prefix": f"{stack.topic_prefix}f{tag}."})
        pipeline = Pipeline(own, inbox, workdir, f"tanggap_faults_{tag}", **env)
        started.append(pipeline)
        return await pipeline.start(services or ("intake", "router", "sla", "notifier"))

    yield start
    for pipeline in started:
        await pipeline.stop()
