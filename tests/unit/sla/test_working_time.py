"""Deadline arithmetic on calendars: office hours, overnight gaps, holidays, time zones."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from services.sla.calendars import CalendarSpec, build_calendar
from services.sla.working_time import Calendar, parse_window

WIB = "Asia/Pontianak"  # Ketapang: UTC+7
OFFICE = {"mon-thu": "07:30-16:00", "fri": "07:30-16:30"}
ID_ALL = {"country": "ID", "categories": ["public", "government"]}
ID_PUBLIC = {"country": "ID", "categories": ["public"]}


def calendar(tz: str = WIB, **spec: object) -> Calendar:
    return build_calendar(CalendarSpec.model_validate(spec), tz)


def at(text: str, tz: str = WIB) -> float:
    """A local wall-clock time ("2025-09-01 15:00") in a zone, as epoch seconds."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz)).timestamp()


H = 3600.0

# (case, calendar spec, start (local), counted seconds, expected deadline (local))
ADD_CASES = [
    ("2 x 24 jam counts every hour", {"kind": "round_the_clock"},
     "2025-09-01 10:00", 48 * H, "2025-09-03 10:00"),
    ("round the clock ignores holidays", {"kind": "round_the_clock"},
     "2025-08-16 12:00", 24 * H, "2025-08-17 12:00"),
    ("office hours carry over to the next morning", {"hours": OFFICE},
     "2025-09-01 15:00", 2 * H, "2025-09-02 08:30"),
    ("before opening the clock waits for 07:30", {"hours": OFFICE},
     "2025-09-01 06:00", 0.5 * H, "2025-09-01 08:00"),
    ("weekend does not count", {"hours": OFFICE},
     "2025-09-06 10:00", 1 * H, "2025-09-08 08:30"),
    ("friday closes later", {"hours": OFFICE},
     "2025-09-12 16:00", 1 * H, "2025-09-15 08:00"),
    ("a national holiday (Maulid, Fri 5 Sep 2025) is skipped",
     {"hours": OFFICE, "holidays": ID_ALL}, "2025-09-04 15:30", 1 * H, "2025-09-08 08:00"),
    ("Idul Fitri with cuti bersama closes 28 Mar to 7 Apr 2025",
     {"hours": OFFICE, "holidays": ID_ALL}, "2025-03-27 15:00", 2 * H, "2025-04-08 08:30"),
    ("without joint leave only the public holidays close",
     {"hours": OFFICE, "holidays": ID_PUBLIC}, "2025-03-27 15:00", 2 * H, "2025-03-28 08:30"),
    ("a newly declared closed day is skipped",
     {"hours": OFFICE, "holidays": ID_ALL, "closed": ["2025-09-02"]},
     "2025-09-01 15:00", 2 * H, "2025-09-03 08:30"),
    ("a holiday declared open counts again",
     {"hours": OFFICE, "holidays": ID_ALL, "open": ["2025-09-05"]},
     "2025-09-04 15:30", 1 * H, "2025-09-05 08:00"),
    ("Jepara 112: 07:00-21:00 daily, the night does not count", {"hours": {"daily": "07:00-21:00"}},
     "2025-09-01 20:00", 2 * H, "2025-09-02 08:00"),
    ("112 works on holidays", {"hours": {"daily": "07:00-21:00"}},
     "2025-08-17 20:00", 1 * H, "2025-08-17 21:00"),
    ("a night shift past midnight counts into the morning",
     {"hours": {"daily": "22:00-06:00"}}, "2025-09-01 05:00", 2 * H, "2025-09-01 23:00"),
    ("split shifts skip the lunch break", {"hours": {"weekdays": ["08:00-12:00", "13:00-16:00"]}},
     "2025-09-01 11:00", 2 * H, "2025-09-01 14:00"),
    ("zero seconds is the start itself", {"hours": OFFICE}, "2025-09-06 10:00", 0.0,
     "2025-09-06 10:00"),
]


@pytest.mark.parametrize(("case", "spec", "start", "seconds", "deadline"), ADD_CASES,
                         ids=[c[0] for c in ADD_CASES])
def test_deadline_arithmetic(case: str, spec: dict[str, object], start: str, seconds: float,
                             deadline: str) -> None:
    cal = calendar(**spec)
    assert cal.add(at(start), seconds) == at(deadline)
    assert cal.between(at(start), at(deadline)) == pytest.approx(seconds)


# The same opening hours in WIB, WITA and WIT are different instants: 00:00 UTC is 07:00,
# 08:00 and 09:00 local, so one hour of 08:00-16:00 ends at 02:00, 01:00 and 01:00 UTC.
ZONE_CASES = [("Asia/Jakarta", "2025-09-01 02:00"), ("Asia/Makassar", "2025-09-01 01:00"),
              ("Asia/Jayapura", "2025-09-01 01:00")]


@pytest.mark.parametrize(("zone", "deadline_utc"), ZONE_CASES, ids=["WIB", "WITA", "WIT"])
def test_opening_hours_are_read_in_the_tenant_time_zone(zone: str, deadline_utc: str) -> None:
    cal = calendar(zone, hours={"daily": "08:00-16:00"})
    assert cal.add(at("2025-09-01 00:00", "UTC"), H) == at(deadline_utc, "UTC")


BETWEEN_CASES = [
    ("office hours over a weekend", {"hours": OFFICE}, "2025-09-12 12:00", "2025-09-15 12:00",
     9 * H),
    ("a holiday week counts nothing", {"hours": OFFICE, "holidays": ID_ALL},
     "2025-03-28 00:00", "2025-04-08 00:00", 0.0),
    ("end before start counts nothing", {"hours": OFFICE}, "2025-09-02 12:00",
     "2025-09-01 12:00", 0.0),
    ("round the clock is plain seconds", {"kind": "round_the_clock"}, "2025-09-01 00:00",
     "2025-09-01 00:00:01.5", 1.5),
]


@pytest.mark.parametrize(("case", "spec", "start", "end", "seconds"), BETWEEN_CASES,
                         ids=[c[0] for c in BETWEEN_CASES])
def test_counted_time_between_two_instants(case: str, spec: dict[str, object], start: str,
                                           end: str, seconds: float) -> None:
    assert calendar(**spec).between(at(start), at(end)) == pytest.approx(seconds)


def test_add_and_between_agree_for_many_starts_and_durations() -> None:
    cal = calendar(hours={"mon-fri": "07:30-16:00", "sat": "08:00-12:00"}, holidays=ID_ALL)
    start = at("2025-03-20 00:00")
    for step in range(0, 400):
        begin = start + step * 3917.0  # walks through nights, weekends and the Eid holidays
        for seconds in (1.0, 1800.0, 8 * H, 48 * H):
            assert cal.between(begin, cal.add(begin, seconds)) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["7-21", "07:00", "25:00-26:00", "07:00-07:61", "a-b"])
def test_malformed_opening_hours_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_window(text)


def test_a_working_calendar_without_opening_hours_is_refused() -> None:
    with pytest.raises(ValueError, match="opening hours"):
        CalendarSpec.model_validate({"hours": {"daily": "closed"}})
