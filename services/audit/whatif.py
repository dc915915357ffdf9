"""What-if: recorded complaints under a candidate rule set or SLA policy, compared per agency.

Pure over events and loaded rules/policies: the router's own judge() decides routing, the
SLA service's own simulate() runs the clocks, so the comparison is the code that would run.
Only the `tanggap whatif` command imports this module (the audit service itself does not),
which keeps services from depending on each other at run time.
"""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from schemas.enums import Disposition
from schemas.envelope import Event, derived_id
from schemas.intake import ComplaintReceived
from schemas.routing import ComplaintAssigned
from schemas.sla import SlaBreached, SlaStarted
from services.router.decide import judge
from services.router.rules import RuleSet
from services.sla.evaluation import simulate
from services.sla.policy import Policy

EXAMPLES = 3


@dataclass(frozen=True)
class Recorded:
    """A complaint as it was received: from the log, or a corpus line standing for one."""

    complaint_id: str
    ticket: str
    event_id: uuid.UUID
    occurred_at: datetime
    text: str
    channel: str  # as the adapter named it; the rules' channel aliases apply
    kecamatan: str | None = None
    category_hint: str | None = None

    @classmethod
    def of(cls, event: ComplaintReceived) -> Recorded:
        return cls(event.complaint_id, event.ticket, event.event_id, event.occurred_at,
                   event.text, event.channel.value, event.kecamatan, event.category_hint)

    @classmethod
    def from_corpus(cls, line: dict[str, Any], at: datetime) -> Recorded:
        """A labelled corpus line (id, channel, text) received at `at`."""
        cid = str(line["id"])
        return cls(cid, cid, derived_id("corpus", cid), at, str(line["text"]),
                   str(line.get("channel") or "web"), line.get("kecamatan_hint"),
                   line.get("category_hint"))


@dataclass(frozen=True)
class Routed:
    agency: str
    disposition: Disposition
    category: str | None
    priority: str


def route(complaint: Recorded, rules: RuleSet) -> Routed:
    """The decision `rules` make for a recorded complaint, as the live router would."""
    _, verdict = judge(complaint.text, complaint.channel, rules, complaint.kecamatan,
                       complaint.category_hint)
    return Routed(verdict.agency or rules.center, verdict.disposition, verdict.category,
                  verdict.priority.value)


@dataclass
class AgencyRow:
    """One agency's figures; None where a part of the what-if was not run."""

    agency: str
    cases_before: int = 0
    cases_after: int = 0
    routed_elsewhere: int = 0
    received_from_elsewhere: int = 0
    to_triage: int = 0  # its cases the candidate sends to the center's triage
    from_triage: int = 0  # triaged cases the candidate gives it
    examples: list[str] = field(default_factory=list)  # "case: before -> after"
    breaches_before: int | None = None
    breaches_after: int | None = None
    breaches_added: int | None = None
    breaches_removed: int | None = None
    median_hours_to_deadline_before: float | None = None
    median_hours_to_deadline_after: float | None = None

    @property
    def median_hours_change(self) -> float | None:
        before, after = self.median_hours_to_deadline_before, self.median_hours_to_deadline_after
        return None if before is None or after is None else round(after - before, 2)


@dataclass
class WhatIf:
    complaints: int = 0
    changed: list[dict[str, Any]] = field(default_factory=list)
    triage_before: int = 0
    triage_after: int = 0
    clocks: int = 0
    rows: dict[str, AgencyRow] = field(default_factory=dict)

    def row(self, agency: str) -> AgencyRow:
        return self.rows.setdefault(agency, AgencyRow(agency))

    def triage_rate(self, after: bool) -> float:
        count = self.triage_after if after else self.triage_before
        return round(count / self.complaints, 4) if self.complaints else 0.0


def compare_routing(report: WhatIf, complaints: Sequence[Recorded], current: RuleSet,
                    candidate: RuleSet) -> dict[str, Routed]:
    """Decide each complaint under both rule sets; count and name the cases that move."""
    decided: dict[str, Routed] = {}
    report.complaints = len(complaints)
    for complaint in complaints:
        before, after = route(complaint, current), route(complaint, candidate)
        decided[complaint.complaint_id] = before
        report.row(before.agency).cases_before += 1
        report.row(after.agency).cases_after += 1
        report.triage_before += before.disposition is Disposition.TRIAGE
        report.triage_after += after.disposition is Disposition.TRIAGE
        if (before.agency, before.disposition) == (after.agency, after.disposition):
            continue
        name = complaint.ticket or complaint.complaint_id
        report.changed.append({"case": name, "before": before.agency,
                               "before_disposition": before.disposition.value,
                               "after": after.agency,
                               "after_disposition": after.disposition.value})
        if before.agency != after.agency:
            row = report.row(before.agency)
            row.routed_elsewhere += 1
            report.row(after.agency).received_from_elsewhere += 1
            if len(row.examples) < EXAMPLES:
                row.examples.append(f"{name}: {before.agency} -> {after.agency}")
        triage = Disposition.TRIAGE
        if after.disposition is triage and before.disposition is not triage:
            report.row(before.agency).to_triage += 1
        if before.disposition is triage and after.disposition is not triage:
            report.row(after.agency).from_triage += 1
    return decided


def assignments(complaints: Iterable[Recorded], decided: dict[str, Routed],
                rules_version: str) -> list[Event]:
    """The assignments a decision stands for, at the complaints' times (for SLA what-ifs on
    complaints without recorded assignments, such as a corpus)."""
    out: list[Event] = []
    for complaint in complaints:
        routed = decided[complaint.complaint_id]
        if routed.disposition is not Disposition.ASSIGNED:
            continue
        out.append(ComplaintAssigned(
            event_id=derived_id(complaint.event_id, "whatif-assigned"),
            complaint_id=complaint.complaint_id, causation_id=complaint.event_id,
            occurred_at=complaint.occurred_at, ticket=complaint.ticket, agency=routed.agency,
            category=routed.category, priority=routed.priority, rules_version=rules_version))
    return out


def _clocks(inputs: list[Event], policy: Policy, now: datetime
            ) -> tuple[dict[str, str], dict[str, list[float]]]:
    """Breached clocks (clock id -> agency) and hours from start to deadline per agency."""
    breached: dict[str, str] = {}
    hours: dict[str, list[float]] = defaultdict(list)
    for event in simulate(inputs, policy, now.timestamp()).sla_events:
        if isinstance(event, SlaBreached):
            breached[event.clock_id] = event.agency
        elif isinstance(event, SlaStarted) and event.target.value == "response":
            hours[event.agency].append((event.due_at - event.started_at).total_seconds() / 3600)
    return breached, hours


def compare_sla(report: WhatIf, inputs: list[Event], current: Policy, candidate: Policy,
                now: datetime) -> None:
    """Run the recorded clock inputs under both policies up to `now`; compare per agency."""
    before, hours_before = _clocks(inputs, current, now)
    after, hours_after = _clocks(inputs, candidate, now)
    report.clocks = sum(len(v) for v in hours_before.values())
    agencies = set(before.values()) | set(after.values()) | set(hours_before) | set(hours_after)
    for agency in sorted(agencies):
        row = report.row(agency)
        mine_before = {c for c, a in before.items() if a == agency}
        mine_after = {c for c, a in after.items() if a == agency}
        row.breaches_before, row.breaches_after = len(mine_before), len(mine_after)
        row.breaches_added = len(mine_after - mine_before)
        row.breaches_removed = len(mine_before - mine_after)
        row.median_hours_to_deadline_before = _median(hours_before.get(agency))
        row.median_hours_to_deadline_after = _median(hours_after.get(agency))
    for row in report.rows.values():  # agencies with no clock in this period
        if row.breaches_before is None:
            row.breaches_before = row.breaches_after = 0
            row.breaches_added = row.breaches_removed = 0


def _median(values: list[float] | None) -> float | None:
    return round(statistics.median(values), 2) if values else None
