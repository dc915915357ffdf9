"""Clock transitions: start, warnings, breach, escalation, met, pauses, redirections."""

from __future__ import annotations

import pytest

from schemas.enums import ResponseKind, SlaTarget
from schemas.envelope import Event, derived_id
from schemas.sla import SlaEscalated, SlaMet, SlaStarted, SlaStopped, SlaWarning
from services.sla.case_state import CaseState
from services.sla.stages import fire_due, next_due
from services.sla.transitions import apply
from tests.unit.sla.factories import T0, assigned, policy, redirected, resolved, responded, when

FIRST, WAIT, PROGRESS = (ResponseKind.FIRST_RESPONSE, ResponseKind.WAITING_FOR_CITIZEN,
                         ResponseKind.PROGRESS)


def kinds(events: list[Event]) -> list[str]:
    return [e.type + (f":{e.target}" if hasattr(e, "target") else "") for e in events]


def opened(cid: str = "c1", agency: str = "dinas-pupr") -> tuple[CaseState, list[Event]]:
    case = CaseState(cid)
    return case, apply(case, assigned(cid, agency, T0), policy(), T0)


def test_assignment_starts_the_agency_response_clock_due_after_the_target() -> None:
    case, events = opened()
    [started] = events
    assert isinstance(started, SlaStarted)
    assert started.clock_id == "c1:dinas-pupr:response" and started.target is SlaTarget.RESPONSE
    assert (started.due_at - started.started_at).total_seconds() == 100
    assert started.event_id == derived_id(started.clock_id, "started")
    assert next_due(case, policy()) == T0 + 50  # the first warning


def test_unanswered_clock_warns_breaches_and_escalates_once_each_in_order() -> None:
    case, _ = opened()
    p = policy()
    assert fire_due(case, p, T0 + 49.999, T0 + 49.999) == []
    [half] = fire_due(case, p, T0 + 50, T0 + 50)
    assert isinstance(half, SlaWarning) and half.fraction == 0.5 and half.fire_at == when(T0 + 50)
    later = fire_due(case, p, T0 + 500, T0 + 500)
    assert kinds(later) == ["SlaWarning:response", "SlaBreached:response",
                            "SlaEscalated:response", "SlaEscalated:response"]
    levels = [(e.level, e.escalate_to, e.fire_at) for e in later if isinstance(e, SlaEscalated)]
    assert levels == [(1, "head_of_agency", when(T0 + 100)),
                      (2, "regional_secretary", when(T0 + 150))]
    assert [e.event_id for e in later] == [
        derived_id("c1:dinas-pupr:response", s)
        for s in ("warning:0.8", "breached", "escalated:1", "escalated:2")]
    assert fire_due(case, p, T0 + 9999, T0 + 9999) == []
    assert next_due(case, p) is None


def test_first_response_before_the_deadline_meets_it_and_starts_resolution() -> None:
    case, _ = opened()
    events = apply(case, responded("c1", "dinas-pupr", T0 + 30, FIRST), policy(), T0 + 31)
    assert kinds(events) == ["SlaMet:response", "SlaStarted:resolution"]
    met = events[0]
    assert isinstance(met, SlaMet) and met.within_target and met.elapsed_seconds == 30
    assert met.case_opened_at == when(T0)
    assert not [e for e in fire_due(case, policy(), T0 + 200, T0 + 200)
                if getattr(e, "target", None) is SlaTarget.RESPONSE]


def test_answer_after_a_missed_deadline_fires_the_breach_first_with_its_original_time() -> None:
    case, _ = opened()
    events = apply(case, responded("c1", "dinas-pupr", T0 + 120, FIRST), policy(), T0 + 3600)
    assert kinds(events)[:4] == ["SlaWarning:response", "SlaWarning:response",
                                 "SlaBreached:response", "SlaEscalated:response"]
    assert events[2].due_at == when(T0 + 100) and events[2].occurred_at == when(T0 + 3600)
    met = next(e for e in events if isinstance(e, SlaMet))
    assert met.within_target is False and met.elapsed_seconds == 120


# (pauses as (waiting at, resumed at) after first response at +10, expected resolution due)
PAUSE_CASES = [
    ("no pause", [], T0 + 10 + 1000),
    ("one pause of 300 s", [(100, 400)], T0 + 10 + 1000 + 300),
    ("two pauses", [(100, 150), (200, 260)], T0 + 10 + 1000 + 110),
    ("waiting twice in a row counts once", [(100, None), (120, 400)], T0 + 10 + 1000 + 300),
]


@pytest.mark.parametrize(("case_name", "pauses", "due"), PAUSE_CASES,
                         ids=[c[0] for c in PAUSE_CASES])
def test_waiting_for_the_citizen_pauses_the_resolution_clock(
        case_name: str, pauses: list[tuple[int, int | None]], due: float) -> None:
    case, _ = opened()
    p = policy()
    apply(case, responded("c1", "dinas-pupr", T0 + 10, FIRST), p, T0 + 10)
    resumes: list[Event] = []
    for waiting, resumed in pauses:
        apply(case, responded("c1", "dinas-pupr", T0 + waiting, WAIT), p, T0 + waiting)
        if resumed is not None:
            resumes += apply(case, responded("c1", "dinas-pupr", T0 + resumed, PROGRESS), p,
                             T0 + resumed)
    assert set(kinds(resumes)) <= {"SlaResumed:resolution"}
    if resumes:
        assert resumes[-1].due_at == when(due)
    breach = next(e for e in fire_due(case, p, due + 1, due + 1) if e.type == "SlaBreached")
    assert breach.due_at == when(due)


def test_a_paused_clock_fires_nothing_however_long_the_citizen_takes() -> None:
    case, _ = opened()
    p = policy()
    apply(case, responded("c1", "dinas-pupr", T0 + 10, WAIT), p, T0 + 10)
    assert fire_due(case, p, T0 + 10**6, T0 + 10**6) == []
    assert next_due(case, p) is None


def test_redirection_stops_the_holder_clock_and_the_next_assignment_starts_a_new_one() -> None:
    case, _ = opened(agency="disdukcapil")
    p = policy()
    stopped = apply(case, redirected("c1", "disdukcapil", "dinas-pupr", T0 + 40), p, T0 + 40)
    assert kinds(stopped) == ["SlaStopped:response"]
    assert isinstance(stopped[0], SlaStopped) and stopped[0].elapsed_seconds == 40
    started = apply(case, assigned("c1", "dinas-pupr", T0 + 45, assigned_by="redirect"), p, T0 + 45)
    assert kinds(started) == ["SlaStarted:response"]
    assert started[0].due_at == when(T0 + 145)  # a full window for the new holder
    met = apply(case, responded("c1", "dinas-pupr", T0 + 60, FIRST), p, T0 + 60)[0]
    assert isinstance(met, SlaMet) and met.elapsed_seconds == 15
    assert met.case_opened_at == when(T0)  # the case's overall clock ran on from the start


def test_assignment_arriving_before_its_redirection_still_stops_the_old_clock_once() -> None:
    case, _ = opened(agency="disdukcapil")
    p = policy()
    first = apply(case, assigned("c1", "dinas-pupr", T0 + 45, assigned_by="redirect"), p, T0 + 46)
    assert kinds(first) == ["SlaStopped:response", "SlaStarted:response"]
    assert apply(case, redirected("c1", "disdukcapil", "dinas-pupr", T0 + 44), p, T0 + 47) == []


def test_an_agency_getting_the_case_back_gets_a_second_clock_with_its_own_id() -> None:
    case, _ = opened(agency="disdukcapil")
    p = policy()
    apply(case, assigned("c1", "dinas-pupr", T0 + 10), p, T0 + 10)
    back = apply(case, assigned("c1", "disdukcapil", T0 + 20), p, T0 + 20)
    assert [e.clock_id for e in back] == ["c1:dinas-pupr:response", "c1:disdukcapil:response:2"]


def test_a_redelivered_input_changes_nothing() -> None:
    case = CaseState("c1")
    p = policy()
    assignment = assigned("c1", "dinas-pupr", T0)
    apply(case, assignment, p, T0)
    answer = responded("c1", "dinas-pupr", T0 + 5, WAIT)
    apply(case, answer, p, T0 + 5)
    resumed = responded("c1", "dinas-pupr", T0 + 8, PROGRESS)
    apply(case, resumed, p, T0 + 8)
    before = case.to_json()
    for again in (assignment, answer, resumed):
        assert apply(case, again, p, T0 + 9) == []
    assert case.to_json() == before


def test_resolution_by_the_holder_meets_its_clocks_and_closes_the_case() -> None:
    case, _ = opened()
    p = policy()
    apply(case, responded("c1", "dinas-pupr", T0 + 10, FIRST), p, T0 + 10)
    events = apply(case, resolved("c1", "dinas-pupr", T0 + 500), p, T0 + 500)
    assert kinds(events) == ["SlaMet:resolution"]
    assert case.closed and next_due(case, p) is None
    assert apply(case, assigned("c1", "dlh", T0 + 600), p, T0 + 600) == []


def test_resolved_answer_without_a_first_response_meets_the_response_clock() -> None:
    case, _ = opened()
    events = apply(case, responded("c1", "dinas-pupr", T0 + 10, ResponseKind.RESOLVED), policy(),
                   T0 + 10)
    assert kinds(events) == ["SlaMet:response"] and case.closed


def test_a_former_holders_late_answer_does_not_meet_the_new_holders_clock() -> None:
    case, _ = opened(agency="disdukcapil")
    p = policy()
    apply(case, assigned("c1", "dinas-pupr", T0 + 10), p, T0 + 10)
    assert apply(case, responded("c1", "disdukcapil", T0 + 20, FIRST), p, T0 + 20) == []
    assert case.first_response_at == T0 + 20  # the case itself was answered, for the record


def test_office_hours_clock_counts_only_open_time() -> None:
    case = CaseState("c1")
    p = policy()
    # Mon 2025-09-01 15:00 WIB: one office hour left today, the second one Tuesday 07:30-08:30.
    [started] = apply(case, assigned("c1", "dpmptsp", T0), p, T0)
    assert started.due_at == when(T0 + 17.5 * 3600)


def test_state_survives_its_json_form() -> None:
    case, _ = opened()
    apply(case, responded("c1", "dinas-pupr", T0 + 10, WAIT), policy(), T0 + 10)
    assert CaseState.from_json(case.to_json()) == case
