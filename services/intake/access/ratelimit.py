"""Per-adapter token buckets: a burst is allowed, the sustained rate is capped.

The buckets live in the process, so with several intake processes behind a load balancer each
enforces the key's rate on its share of the traffic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class Bucket:
    rate: float  # tokens per second
    burst: int
    tokens: float
    updated: float  # monotonic seconds

    def take(self, now: float) -> float:
        """Take one token; return 0 when allowed, else the seconds until one is available."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate if self.rate > 0 else math.inf


class RateLimiter:
    """One bucket per adapter key; a changed rate or burst takes effect on the next request."""

    def __init__(self) -> None:
        self._buckets: dict[str, Bucket] = {}

    def check(self, key_id: str, rate: float, burst: int, now: float) -> float:
        """0 when the request may pass, else the seconds the adapter should wait."""
        bucket = self._buckets.get(key_id)
        if bucket is None or bucket.rate != rate or bucket.burst != burst:
            bucket = self._buckets[key_id] = Bucket(rate, max(1, burst), max(1, burst), now)
        return bucket.take(now)


def retry_after_header(wait_seconds: float) -> str:
    """Retry-After in whole seconds, at least one."""
    return str(max(1, math.ceil(min(wait_seconds, 86_400))))
