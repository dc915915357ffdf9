"""A citizen's "not solved" re-opens the case on a new clock; the report counts verdicts."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from schemas.enums import ResponseKind, SlaTarget
from schemas.sla import SlaStarted
from schemas.verdicts import CitizenVerdict, ComplaintClosed, ComplaintReopened
from services.sla.case_state import CaseState
from services.sla.evaluation import aggregate, simulate
from services.sla.transitions import apply
from tests.unit.sla.factories import T0, assigned, policy, resolved, responded, when


def test_reopening_starts_a_new_round_clock_for_the_same_agency() -> None:
    case, p = CaseState("c1"), policy()
    apply(case, assigned("c1", "dinas-pupr", T0), p, T0)
    apply(case, resolved("c1", "dinas-pupr", T0 + 10), p, T0 + 10)
    assert case.closed
    reopened = ComplaintReopened(complaint_id="c1", agency="dinas-pupr", round=2,
                                 reason="belum", occurred_at=when(T0 + 20))
    [started] = apply(case, reopened, p, T0 + 20)
    assert isinstance(started, SlaStarted) and started.target is SlaTarget.RESPONSE
    assert started.clock_id == "c1:dinas-pupr:response:2"
    assert apply(case, reopened, p, T0 + 21) == []  # redelivered: nothing again
    verdict = CitizenVerdict(complaint_id="c1", agency="dinas-pupr", round=2, solved=True,
                             via="reply", occurred_at=when(T0 + 30))
    assert apply(case, verdict, p, T0 + 30) == []


def test_report_counts_confirmations_reopenings_and_ratings_per_agency() -> None:
    p, inputs = policy(), []
    for n, (solved, rating) in enumerate([(True, 5), (False, 2), (True, 3)]):
        cid = f"c{n}"
        inputs += [assigned(cid, "dinas-pupr", T0), responded(cid, "dinas-pupr", T0 + 5,
                                                              ResponseKind.RESOLVED)]
        inputs.append(CitizenVerdict(complaint_id=cid, agency="dinas-pupr", round=1,
                                     solved=solved, rating=rating, via="reply",
                                     occurred_at=when(T0 + 10)))
        if not solved:
            inputs += [ComplaintReopened(complaint_id=cid, agency="dinas-pupr", round=r,
                                         occurred_at=when(T0 + 10 + r)) for r in (2, 3)]
    inputs.append(ComplaintClosed(complaint_id="c9", agency="dinas-pupr", round=1,
                                  reason="no_reply", occurred_at=when(T0 + 40)))
    rows = aggregate(simulate(inputs, p, T0 + 50), inputs, ZoneInfo("Asia/Pontianak"), "month")
    [row] = [r.row() for r in rows if r.agency == "dinas-pupr"]
    assert (row["resolutions_judged"], row["confirmed_by_citizen"], row["reopened"]) == (4, 2, 2)
    assert row["share_confirmed"] == 0.5 and row["median_rating"] == 3
    assert row["cases_reopened_more_than_once"] == 1
