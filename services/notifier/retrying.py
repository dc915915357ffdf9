"""Retries: exponential backoff with full jitter (tenacity), honouring Retry-After.

A receiver that asks us to wait longer than `retry_after_max` is not waited for: blocking the
partition that long would delay every other notification, so the delivery fails with that
reason and goes to the dead-letter topic, where an operator can replay it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)
from tenacity.stop import stop_base

from services.notifier.channel import PermanentFailure, TemporaryFailure

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    initial: float = 0.5
    maximum: float = 30.0
    retry_after_max: float = 120.0


class Exhausted(Exception):
    """Every attempt failed, or the receiver asked for an impossible wait."""

    def __init__(self, reason: str, attempts: int) -> None:
        super().__init__(reason)
        self.attempts = attempts


def _retry_after(state: RetryCallState) -> float | None:
    exc = state.outcome.exception() if state.outcome else None
    return exc.retry_after if isinstance(exc, TemporaryFailure) else None


class _WaitHonouringRetryAfter:
    """Jittered exponential wait, but never shorter than the receiver's Retry-After."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._jitter = wait_random_exponential(multiplier=policy.initial, max=policy.maximum)

    def __call__(self, state: RetryCallState) -> float:
        return max(self._jitter(state), _retry_after(state) or 0.0)


class _StopOnLongRetryAfter(stop_base):
    def __init__(self, limit: float) -> None:
        self._limit = limit

    def __call__(self, state: RetryCallState) -> bool:
        wanted = _retry_after(state)
        return wanted is not None and wanted > self._limit


async def with_retries(send: Callable[[], Awaitable[T]], policy: RetryPolicy,
                       on_retry: Callable[[int, BaseException], None] = lambda n, e: None,
                       sleep: Sleep | None = None) -> tuple[T, int]:
    """Call `send` until it succeeds; return its result and the attempts it took.

    TemporaryFailure is retried, PermanentFailure is not; either ends in Exhausted with the
    last reason and the attempts made. Anything else (a bug) propagates unchanged.
    """
    # The first attempt runs outside tenacity, whose set-up per call costs more than a
    # delivery that works at once; a temporary failure then starts the retry loop, whose
    # first attempt re-raises it (so waits, callbacks and counts are as if it ran in there).
    try:
        return await send(), 1
    except PermanentFailure as exc:
        raise Exhausted(str(exc), 1) from None
    except TemporaryFailure as exc:
        first: list[TemporaryFailure] = [exc]

    async def attempt_again() -> T:
        if first:
            raise first.pop()
        return await send()

    attempts = 0

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        on_retry(state.attempt_number, exc or RuntimeError("retry"))

    options: dict[str, object] = {"sleep": sleep} if sleep else {}
    stop = stop_after_attempt(policy.max_attempts) | _StopOnLongRetryAfter(policy.retry_after_max)
    retrying = AsyncRetrying(
        stop=stop,
        wait=_WaitHonouringRetryAfter(policy),
        retry=retry_if_exception_type(TemporaryFailure),
        before_sleep=before_sleep, reraise=True, **options)  # type: ignore[arg-type]
    try:
        async for attempt in retrying:
            with attempt:
                attempts += 1
                result = await attempt_again()
    except TemporaryFailure as exc:
        reason = str(exc)
        if exc.retry_after is not None and exc.retry_after > policy.retry_after_max:
            reason += f" (Retry-After {exc.retry_after:.0f}s exceeds {policy.retry_after_max:.0f}s)"
        raise Exhausted(reason, attempts) from None
    except PermanentFailure as exc:
        raise Exhausted(str(exc), attempts) from None
    return result, attempts
