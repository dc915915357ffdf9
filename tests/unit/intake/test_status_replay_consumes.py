"""The status projection's replay passes over only events the projection has no use for."""

from __future__ import annotations

from schemas.enums import ResponseKind
from schemas.envelope import Event
from schemas.routing import ComplaintRedirected
from services.intake.status.projection import change_for
from services.intake.status.replay import IGNORED
from services.sla.case_state import CaseState
from services.sla.stages import fire_due
from services.sla.transitions import apply
from tests.unit.sla.factories import T0, assigned, policy, responded, when


def _clock_life() -> list[Event]:
    rules, case = policy(), CaseState("c-1")
    out = apply(case, assigned("c-1", "dlh", T0), rules, T0)
    out += fire_due(case, rules, T0 + 500, T0 + 500)
    for n, kind in enumerate((ResponseKind.FIRST_RESPONSE, ResponseKind.WAITING_FOR_CITIZEN,
                              ResponseKind.PROGRESS), start=1):
        out += apply(case, responded("c-1", "dlh", T0 + 500 + n, kind), rules, T0 + 510)
    out += apply(case, ComplaintRedirected(complaint_id="c-1", ticket="KTP-1", from_agency="dlh",
                                           to_agency="dinkes", reason="bukan kami",
                                           occurred_at=when(T0 + 600)), rules, T0 + 600)
    return out


def test_every_ignored_clock_event_leaves_the_citizens_view_alone() -> None:
    events = _clock_life()
    assert {type(e) for e in events} >= IGNORED
    for event in events:
        if type(event) in IGNORED:
            assert change_for(event) is None, event.type
