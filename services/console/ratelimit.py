"""Token buckets per key (sign-in per user and address, the status page per address)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Buckets:
    """`burst` requests at once, refilled at `rate` per second; `now` is passed in."""

    rate: float
    burst: int
    max_keys: int = 50_000
    _tokens: dict[str, tuple[float, float]] = field(default_factory=dict)

    def take(self, key: str, now: float) -> float:
        """Take one token: 0.0 if allowed, else the seconds until one is free (Retry-After)."""
        tokens, at = self._tokens.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        if tokens < 1.0:
            self._tokens[key] = (tokens, now)
            return (1.0 - tokens) / self.rate
        if len(self._tokens) >= self.max_keys and key not in self._tokens:
            # Bounded memory: a flood of new addresses forgets the oldest entries first.
            self._tokens.pop(next(iter(self._tokens)))
        self._tokens[key] = (tokens - 1.0, now)
        return 0.0

    def reset(self, key: str) -> None:
        """Forget a key (a successful sign-in clears its failures)."""
        self._tokens.pop(key, None)
