"""When a failed look-up is tried again: exponential backoff with a cap, and when to give up."""

from __future__ import annotations

from datetime import datetime, timedelta


def next_attempt(attempts: int, now: datetime, base_seconds: float, cap_seconds: float,
                 max_attempts: int) -> datetime | None:
    """The time of the next try after `attempts` failures, or None once it is given up."""
    if attempts >= max_attempts:
        return None
    delay = min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1))
    return now + timedelta(seconds=delay)
