"""A step is run again while the database is away, and only then; past the limit it raises."""

from __future__ import annotations

import asyncpg
import pytest

from services.runtime.outage import riding_out


class Flaky:
    def __init__(self, failures: list[BaseException]) -> None:
        self.failures = failures
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "done"


async def test_a_refused_then_lost_connection_is_ridden_out() -> None:
    step = Flaky([ConnectionRefusedError(111, "refused"),
                  asyncpg.ConnectionDoesNotExistError("connection was closed")])
    assert await riding_out(step, "test", limit=10) == "done" and step.calls == 3


async def test_a_bug_is_not_retried() -> None:
    step = Flaky([asyncpg.UniqueViolationError("duplicate key"), ValueError("x")])
    with pytest.raises(asyncpg.UniqueViolationError):
        await riding_out(step, "test", limit=10)
    assert step.calls == 1


async def test_past_the_limit_the_outage_is_raised() -> None:
    step = Flaky([asyncpg.CannotConnectNowError("the database system is starting up")] * 3)
    with pytest.raises(asyncpg.CannotConnectNowError):
        await riding_out(step, "test", limit=0.2)  # the first backoff already exceeds it
    assert step.calls == 1
