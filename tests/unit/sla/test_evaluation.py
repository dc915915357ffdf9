"""The evaluation report computed from input events: counts, times, ranking, periods, CSV."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from schemas.enums import ResponseKind
from schemas.envelope import Event
from services.sla.evaluation import p90, period_of
from services.sla.report import COLUMNS, evaluation_report, to_csv
from tests.unit.sla.factories import T0, assigned, policy, redirected, responded, when

FIRST = ResponseKind.FIRST_RESPONSE


def week_of_cases() -> list[Event]:
    """dlh answers two in time and one late; pupr answers one and misses one; a redirect."""
    return [
        assigned("a1", "dlh", T0), responded("a1", "dlh", T0 + 10, FIRST),
        assigned("a2", "dlh", T0), responded("a2", "dlh", T0 + 30, FIRST),
        assigned("a3", "dlh", T0), responded("a3", "dlh", T0 + 150, FIRST),
        assigned("b1", "dinas-pupr", T0), responded("b1", "dinas-pupr", T0 + 20, FIRST),
        assigned("b2", "dinas-pupr", T0),
        assigned("c1", "disdukcapil", T0), redirected("c1", "disdukcapil", "dinas-pupr", T0 + 5),
        assigned("c1", "dinas-pupr", T0 + 6, assigned_by="redirect"),
        responded("c1", "dinas-pupr", T0 + 16, FIRST),
        assigned("d1", "dishub", T0 + 900),  # still running at report time
    ]


def report_rows(events: list[Event], now: float = T0 + 950) -> dict[str, dict[str, object]]:
    doc = evaluation_report(events, policy(), when(now), "week")
    return {str(r["agency"]): r for r in doc["agencies"]}


def test_counts_times_and_breaches_per_agency() -> None:
    rows = report_rows(week_of_cases())
    dlh, pupr = rows["dlh"], rows["dinas-pupr"]
    assert (dlh["assigned"], dlh["answered"], dlh["answered_within_target"]) == (3, 3, 2)
    assert dlh["breaches"] == 1 and dlh["median_seconds_to_first_response"] == 30
    assert dlh["p90_seconds_to_first_response"] == 150
    assert (pupr["assigned"], pupr["answered"], pupr["breaches"]) == (3, 2, 1)
    assert pupr["redirections_received"] == 1 and pupr["median_seconds_to_first_response"] == 15
    assert rows["disdukcapil"]["redirections_sent"] == 1
    assert rows["disdukcapil"]["handed_over"] == 1
    assert rows["disdukcapil"]["share_within_target"] is None
    assert rows["dishub"]["pending"] == 1 and rows["dishub"]["share_within_target"] is None


def test_agencies_are_ranked_by_share_within_target_then_breaches() -> None:
    rows = report_rows(week_of_cases())
    assert rows["dlh"]["share_within_target"] == round(2 / 3, 4)
    assert rows["dinas-pupr"]["share_within_target"] == round(2 / 3, 4)
    order = sorted(rows.values(), key=lambda r: int(str(r["rank"])))
    assert [r["agency"] for r in order][:2] == ["dinas-pupr", "dlh"]  # tie: faster median first


def test_a_newly_declared_closed_day_changes_the_recomputed_report() -> None:
    """Assigned Mon 15:30 WIB with one office hour to answer: due Tue 08:00. The answer came
    Tue 14:00, late; once Tuesday is declared joint leave, the deadline is Wed 08:00."""
    office = {"calendar": "office", "response": "1h"}
    events = [assigned("x1", "dlh", T0 + 0.5 * 3600), responded("x1", "dlh", T0 + 23 * 3600, FIRST)]
    before = evaluation_report(events, policy(**office), when(T0 + 72 * 3600), "week")
    assert (before["agencies"][0]["breaches"], before["agencies"][0]["answered_within_target"]
            ) == (1, 0)
    declared = policy(closed=("2025-09-02",), **office)
    after = evaluation_report(events, declared, when(T0 + 72 * 3600), "week")
    assert (after["agencies"][0]["breaches"], after["agencies"][0]["answered_within_target"]
            ) == (0, 1)


def test_periods_are_cut_in_the_tenant_time_zone() -> None:
    wib = ZoneInfo("Asia/Pontianak")
    sunday_night_utc = datetime(2025, 9, 7, 18, 30, tzinfo=UTC)  # Mon 01:30 WIB
    assert period_of(sunday_night_utc, wib, "week") == "2025-W37"
    assert period_of(sunday_night_utc, ZoneInfo("UTC"), "week") == "2025-W36"
    assert period_of(datetime(2025, 8, 31, 17, 0, tzinfo=UTC), wib, "month") == "2025-09"


def test_p90_is_the_nearest_rank() -> None:
    assert p90([float(v) for v in range(1, 11)]) == 9.0
    assert p90([5.0]) == 5.0 and p90([]) is None


def test_csv_has_one_ranked_line_per_agency_and_period() -> None:
    doc = evaluation_report(week_of_cases(), policy(), when(T0 + 950), "month")
    header, *lines = to_csv(doc).splitlines()
    assert header == ",".join(COLUMNS)
    assert len(lines) == len(doc["agencies"]) == 4
    assert all(line.startswith("2025-09,") for line in lines)
    assert doc["cases"][0]["cases"] == 7
