"""Counting SLA time on a calendar: round the clock, or opening hours minus closed days.

Instants are epoch seconds (floats, UTC) so the arithmetic is cheap and exact enough
(microseconds); wall-clock hours are interpreted in the tenant's time zone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

# A calendar with no open time would make `add` loop forever; policies are validated to
# have open hours every week, and this bound turns any remaining mistake into an error.
MAX_DAYS = 3 * 366

Window = tuple[int, int]  # minutes after local midnight; end may pass 1440 (overnight)


class Calendar(Protocol):
    """Which seconds count toward an SLA target."""

    def add(self, start: float, seconds: float) -> float:
        """The instant at which `seconds` of counted time have passed since `start`."""
        ...

    def between(self, start: float, end: float) -> float:
        """Counted seconds in [start, end]."""
        ...


@dataclass(frozen=True)
class RoundTheClock:
    """Every second counts: "2 x 24 jam" as the Ketapang Media Center announced it."""

    def add(self, start: float, seconds: float) -> float:
        return start + max(0.0, seconds)

    def between(self, start: float, end: float) -> float:
        return max(0.0, end - start)


@dataclass(frozen=True)
class WorkingCalendar:
    """Opening hours per weekday in a time zone; closed days count nothing.

    A window that ends past midnight (e.g. 22:00-06:00) belongs to the day it starts on,
    so a holiday closes the night shift that begins on it, not the one that ends on it.
    """

    zone: ZoneInfo
    week: tuple[tuple[Window, ...], ...]  # Monday first, seven entries
    is_closed: Callable[[date], bool] = lambda day: False
    _days: dict[date, tuple[tuple[float, float], ...]] = field(
        default_factory=dict, compare=False, repr=False)

    def windows(self, day: date) -> tuple[tuple[float, float], ...]:
        """The open intervals that start on this local date, as epoch seconds."""
        cached = self._days.get(day)
        if cached is None:
            cached = () if self.is_closed(day) else tuple(
                (self._instant(day, a), self._instant(day, b)) for a, b in self.week[day.weekday()])
            if len(self._days) > 4096:  # bounded: clocks cluster around the present
                self._days.clear()
            self._days[day] = cached
        return cached

    def _instant(self, day: date, minutes: int) -> float:
        local = datetime.combine(day, time()) + timedelta(minutes=minutes)
        return local.replace(tzinfo=self.zone).timestamp()

    def _open_from(self, start: float) -> Iterator[tuple[float, float]]:
        """Open intervals after `start`, clipped so overlapping windows never count twice."""
        day = datetime.fromtimestamp(start, self.zone).date() - timedelta(days=1)
        cursor = start
        for _ in range(MAX_DAYS):
            for a, b in self.windows(day):
                a = max(a, cursor)
                if b > a:
                    yield a, b
                    cursor = b
            day += timedelta(days=1)
        raise ValueError("calendar has no open hours within three years")

    def add(self, start: float, seconds: float) -> float:
        remaining = max(0.0, seconds)
        if remaining == 0.0:
            return start
        for a, b in self._open_from(start):
            if b - a >= remaining:
                return a + remaining
            remaining -= b - a
        raise AssertionError("unreachable: _open_from raises when exhausted")

    def between(self, start: float, end: float) -> float:
        counted = 0.0
        if end <= start:
            return counted
        for a, b in self._open_from(start):
            if a >= end:
                break
            counted += min(b, end) - a
        return counted


def parse_window(text: str) -> Window:
    """Parse "07:00-21:00" (or "22:00-06:00", which runs overnight) into minutes."""
    try:
        first, last = (part.strip() for part in text.split("-"))
        a, b = _minutes(first), _minutes(last)
    except ValueError:
        raise ValueError(f"opening hours must look like 07:00-21:00, not {text!r}") from None
    if a >= 1440 or b > 1440:
        raise ValueError(f"hour out of range in {text!r}")
    if b <= a:  # runs past midnight into the next day
        b += 1440
    return a, b


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise ValueError(hhmm)
    return h * 60 + m
