"""Calendar definitions of the policy file: weekly opening hours and Indonesian holidays."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.sla.working_time import Calendar, RoundTheClock, Window, WorkingCalendar, parse_window

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
GROUPS = {"daily": DAYS, "weekdays": DAYS[:5], "weekend": DAYS[5:]}


class HolidaySource(BaseModel):
    """Closed days from the `holidays` package: `government` adds cuti bersama (joint leave)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    country: str = "ID"
    categories: tuple[str, ...] = ("public", "government")


class CalendarSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["round_the_clock", "working"] = "working"
    hours: dict[str, str | list[str]] = Field(default_factory=dict)
    holidays: HolidaySource | None = None
    closed: tuple[date, ...] = ()  # declared later than the package knows, e.g. new joint leave
    open: tuple[date, ...] = ()  # a holiday the regency works anyway

    @field_validator("hours")
    @classmethod
    def _known_days(cls, hours: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        for key in hours:
            days_of(key)
        return hours

    @model_validator(mode="after")
    def _has_open_time(self) -> CalendarSpec:
        if self.kind == "working" and not any(weekly_windows(self.hours)):
            raise ValueError("a working calendar needs opening hours on at least one day")
        return self


def days_of(key: str) -> tuple[str, ...]:
    """Weekdays named by a key: "mon", "mon-thu", "daily", "weekdays", "weekend"."""
    if key in GROUPS:
        return GROUPS[key]
    first, _, last = key.partition("-")
    if first not in DAYS or (last and last not in DAYS):
        raise ValueError(f"unknown day(s) {key!r}: use mon..sun, mon-fri, daily, weekdays")
    i, j = DAYS.index(first), DAYS.index(last or first)
    if j < i:
        raise ValueError(f"day range runs backwards: {key!r}")
    return DAYS[i:j + 1]


def weekly_windows(hours: dict[str, str | list[str]]) -> tuple[tuple[Window, ...], ...]:
    """Opening windows Monday..Sunday; later keys override earlier ones for their days."""
    week: dict[str, tuple[Window, ...]] = {day: () for day in DAYS}
    for key, value in hours.items():
        texts = [value] if isinstance(value, str) else list(value)
        windows = tuple(sorted(parse_window(t) for t in texts if t.strip() != "closed"))
        for day in days_of(key):
            week[day] = windows
    return tuple(week[day] for day in DAYS)


@lru_cache(maxsize=64)
def holiday_dates(country: str, categories: tuple[str, ...], year: int) -> frozenset[date]:
    """Public holidays (and joint leave, category `government`) of one year."""
    found = holidays.country_holidays(country, years=year, categories=categories)
    return frozenset(found.keys())


def build_calendar(spec: CalendarSpec, timezone: str) -> Calendar:
    """A calendar object for a spec, in the tenant's time zone."""
    if spec.kind == "round_the_clock":
        return RoundTheClock()
    source, closed, opened = spec.holidays, frozenset(spec.closed), frozenset(spec.open)

    def is_closed(day: date) -> bool:
        if day in opened:
            return False
        if day in closed:
            return True
        return source is not None and day in holiday_dates(
            source.country, source.categories, day.year)

    return WorkingCalendar(ZoneInfo(timezone), weekly_windows(spec.hours), is_closed)
