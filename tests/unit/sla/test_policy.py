"""The policy file: durations, defaults, overrides per agency/category/priority, validation."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from schemas.enums import Priority, SlaTarget
from schemas.routing import ComplaintAssigned
from services.sla.case_state import CaseState
from services.sla.policy import load_policy, parse_duration, parse_policy
from services.sla.transitions import apply
from services.sla.working_time import RoundTheClock, WorkingCalendar

TENANT_POLICY = Path(__file__).resolve().parents[3] / "tenants" / "ketapang" / "sla.yaml"


@pytest.mark.parametrize(("text", "seconds"), [
    ("48h", 172800.0), ("2d", 172800.0), ("1h30m", 5400.0), ("90m", 5400.0), ("2.5s", 2.5),
    ("0s", 0.0), (90, 90.0), (1.5, 1.5), ("1d 12h", 129600.0),
])
def test_durations_read_as_seconds(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "48", "5x", "h", "-1h", -3, True, None, "1h-5m"])
def test_malformed_durations_are_refused(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_ketapang_default_is_two_times_twenty_four_hours_round_the_clock() -> None:
    policy = load_policy(TENANT_POLICY)
    terms = policy.terms("dinas-pupr", "jalan", Priority.NORMAL)
    assert terms.target(SlaTarget.RESPONSE) == 48 * 3600
    assert terms.warnings == (0.5, 0.8)
    assert [(e.to, e.after) for e in terms.escalation] == [
        ("head_of_agency", 0.0), ("regional_secretary", 24 * 3600.0)]
    assert isinstance(policy.calendar(terms.calendar), RoundTheClock)


@pytest.mark.parametrize(("agency", "priority", "response", "calendar"), [
    ("dinas-pupr", Priority.EMERGENCY, 2 * 3600, "round-the-clock"),
    ("dinas-pupr", Priority.HIGH, 24 * 3600, "round-the-clock"),
    ("damkar", Priority.NORMAL, 3600, "round-the-clock"),
    ("damkar", Priority.EMERGENCY, 3600, "round-the-clock"),  # the later, agency rule wins
    ("dpmptsp", Priority.NORMAL, 16 * 3600, "office"),
])
def test_ketapang_overrides_apply_in_file_order(agency: str, priority: Priority, response: float,
                                                calendar: str) -> None:
    policy = load_policy(TENANT_POLICY)
    terms = policy.terms(agency, None, priority)
    assert (terms.response, terms.calendar) == (response, calendar)
    assert isinstance(policy.calendar(terms.calendar),
                      RoundTheClock if calendar == "round-the-clock" else WorkingCalendar)


def minimal(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "version": "t-1", "timezone": "Asia/Makassar",
        "calendars": {"always": {"kind": "round_the_clock"}},
        "defaults": {"calendar": "always", "response": "4s", "resolution": "30s"},
    }
    doc.update(changes)
    return doc


def test_category_override_matches_only_its_category() -> None:
    policy = parse_policy(minimal(overrides=[
        {"when": {"category": "banjir", "agency": "bpbd"}, "response": "1s"}]))
    assert policy.terms("bpbd", "banjir", Priority.NORMAL).response == 1.0
    assert policy.terms("bpbd", "kebakaran", Priority.NORMAL).response == 4.0
    assert policy.terms("dlh", "banjir", Priority.NORMAL).response == 4.0


def test_a_removed_calendar_falls_back_to_the_default_one() -> None:
    policy = parse_policy(minimal())
    assert policy.calendar("gone") is policy.calendar("always")


@pytest.mark.parametrize(("changes", "message"), [
    ({"overrides": [{"when": {}, "calendar": "nowhere"}]}, "unknown calendar"),
    ({"defaults": {"calendar": "always", "response": "4s", "resolution": "30s",
                   "warnings": [0.5, 1.0]}}, "between 0 and 1"),
    ({"defaults": {"calendar": "always", "response": "0s", "resolution": "30s"}}, "greater than"),
    ({"calendars": {"always": {"hours": {"funday": "07:00-08:00"}}}}, "unknown day"),
    ({"surprise": 1}, "Extra inputs"),
])
def test_invalid_policies_are_refused_with_a_reason(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_policy(minimal(**changes))


def test_a_normal_assignment_under_the_tenant_policy_starts_one_48_hour_clock() -> None:
    """What the walking-skeleton end-to-end test asserts: one SlaStarted, due 48 h later."""
    assigned = ComplaintAssigned(complaint_id="c1", ticket="KTP-1", agency="dinas-pupr",
                                 rules_version="skeleton-1",
                                 occurred_at=datetime(2025, 9, 1, 3, 4, 5, 678901, tzinfo=UTC))
    [started] = apply(CaseState("c1"), assigned, load_policy(TENANT_POLICY), 1.0e9)
    assert started.type == "SlaStarted"
    assert (started.due_at - started.started_at).total_seconds() == 48 * 3600
