"""Token buckets per adapter key."""

from services.intake.access.ratelimit import RateLimiter, retry_after_header


def test_burst_then_waits_for_the_rate() -> None:
    limiter = RateLimiter()
    assert [limiter.check("k", 2.0, 3, now=100.0) for _ in range(3)] == [0, 0, 0]
    assert limiter.check("k", 2.0, 3, now=100.0) == 0.5
    assert limiter.check("k", 2.0, 3, now=100.5) == 0


def test_keys_have_separate_buckets() -> None:
    limiter = RateLimiter()
    assert limiter.check("a", 1.0, 1, now=0.0) == 0
    assert limiter.check("a", 1.0, 1, now=0.0) > 0
    assert limiter.check("b", 1.0, 1, now=0.0) == 0


def test_retry_after_is_whole_seconds_at_least_one() -> None:
    assert retry_after_header(0.2) == "1"
    assert retry_after_header(2.1) == "3"
