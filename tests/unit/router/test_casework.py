"""Operator assignments and "not ours" redirects as pure decisions on a case's state."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from schemas.directory import Directory
from schemas.enums import Disposition, Priority, ResponseKind
from schemas.responses import AgencyResponded
from schemas.routing import (
    AssignComplaint,
    ComplaintAssigned,
    ComplaintExternal,
    ComplaintRedirected,
    ComplaintTriaged,
)
from schemas.topics import ASSIGNED, REDIRECTED, TRIAGE, agency_topic
from services.router.casestate import CaseState
from services.router.casework import MAX_CHAIN, assign_by_operator, redirect
from services.router.rules import RuleSet

TRIAGED = CaseState(
    complaint_id="c-7", tenant="ketapang", ticket="KTP-2026-000007", text="air meluap",
    kecamatan="kec-sandai", category=None, agency="diskominfo", disposition=Disposition.TRIAGE,
    agency_chain=(), priority=Priority.NORMAL, flags=(), rules_version="r1",
    received_at=datetime(2026, 5, 4, tzinfo=UTC))
HELD = replace(TRIAGED, agency="dinas-pupr", disposition=Disposition.ASSIGNED)


def command(agency: str, **kw: object) -> AssignComplaint:
    return AssignComplaint(complaint_id="c-7", agency=agency, operator="siti", **kw)


def not_ours(agency: str, to: str | None) -> AgencyResponded:
    return AgencyResponded(complaint_id="c-7", agency=agency, kind=ResponseKind.NOT_OURS,
                           redirect_to=to, message="bukan kewenangan kami")


def test_operator_completes_triage_without_counting_the_center_as_a_holder(
        rules: RuleSet, directory: Directory) -> None:
    change = assign_by_operator(TRIAGED, command("bpbd", priority=Priority.HIGH), rules,
                                directory)
    [(t1, assigned), (t2, _)] = change.outgoing
    assert (t1, t2) == (ASSIGNED.name, agency_topic("bpbd"))
    assert isinstance(assigned, ComplaintAssigned) and assigned.assigned_by == "operator"
    assert assigned.agency_chain == () and assigned.priority is Priority.HIGH
    assert change.state.agency == "bpbd" and change.state.disposition is Disposition.ASSIGNED


def test_operator_reassignment_extends_the_chain(rules: RuleSet, directory: Directory) -> None:
    change = assign_by_operator(HELD, command("perumda-air"), rules, directory)
    assert change.outgoing[0][1].agency_chain == ("dinas-pupr",)  # type: ignore[attr-defined]


def test_operator_command_that_changes_nothing_emits_nothing(
        rules: RuleSet, directory: Directory) -> None:
    assert assign_by_operator(HELD, command("dinas-pupr"), rules, directory).outgoing == []
    rejected = assign_by_operator(TRIAGED, command("dinas-entah"), rules, directory)
    assert rejected.outgoing == [] and rejected.note.startswith("rejected")
    assert assign_by_operator(TRIAGED, command("diskominfo"), rules, directory).outgoing == []


def test_operator_can_send_a_case_outside_regency_authority(
        rules: RuleSet, directory: Directory) -> None:
    [(_, external)] = assign_by_operator(TRIAGED, command("ext-bpn"), rules, directory).outgoing
    assert isinstance(external, ComplaintExternal) and "Pertanahan" in external.citizen_message


def test_not_ours_moves_the_case_and_keeps_the_chain(rules: RuleSet,
                                                     directory: Directory) -> None:
    change = redirect(HELD, not_ours("dinas-pupr", "perumda-air"), rules, directory)
    [(t0, moved), (t1, assigned), _] = change.outgoing
    assert (t0, t1) == (REDIRECTED.name, ASSIGNED.name)
    assert isinstance(moved, ComplaintRedirected) and moved.to_agency == "perumda-air"
    assert isinstance(assigned, ComplaintAssigned) and assigned.assigned_by == "redirect"
    assert assigned.agency_chain == ("dinas-pupr",) == change.state.agency_chain
    again = redirect(change.state, not_ours("perumda-air", "dlh"), rules, directory)
    assert again.state.agency_chain == ("dinas-pupr", "perumda-air")


def test_not_ours_without_a_valid_target_returns_to_triage(rules: RuleSet,
                                                           directory: Directory) -> None:
    for target in (None, "dinas-entah", "dinas-pupr"):
        change = redirect(HELD, not_ours("dinas-pupr", target), rules, directory)
        [(_, moved), (topic, triaged)] = change.outgoing
        assert moved.to_agency is None and topic == TRIAGE.name  # type: ignore[attr-defined]
        assert isinstance(triaged, ComplaintTriaged) and triaged.agency == "diskominfo"
        assert change.state.agency_chain == ("dinas-pupr",)


def test_a_case_that_went_round_too_often_goes_back_to_a_human(
        rules: RuleSet, directory: Directory) -> None:
    tired = replace(HELD, agency_chain=("dlh", "dishub", "perumda-air", "dinas-perkim"))
    assert len(tired.agency_chain) + 1 == MAX_CHAIN
    change = redirect(tired, not_ours("dinas-pupr", "dlh"), rules, directory)
    assert isinstance(change.outgoing[-1][1], ComplaintTriaged)


def test_stale_or_other_answers_do_not_move_the_case(rules: RuleSet,
                                                     directory: Directory) -> None:
    assert redirect(HELD, not_ours("dlh", "dishub"), rules, directory).outgoing == []
    assert redirect(TRIAGED, not_ours("diskominfo", "dlh"), rules, directory).outgoing == []
    answered = AgencyResponded(complaint_id="c-7", agency="dinas-pupr", message="sedang dicek",
                               kind=ResponseKind.FIRST_RESPONSE)
    assert redirect(HELD, answered, rules, directory).outgoing == []
