"""The evaluation report ("bahan evaluasi"): per agency and period, recomputed from the inputs.

The report replays assignments, answers and redirections through the same transitions the
live service runs, under the policy in force now, so a calendar change (a newly declared
joint-leave day) changes the report too. Live SLA events are what was known at the time;
this recomputation is the record an agency is evaluated on.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from schemas.enums import SlaTarget
from schemas.envelope import Event
from schemas.routing import ComplaintRedirected
from schemas.sla import SlaBreached, SlaEscalated, SlaMet, SlaStarted, SlaStopped
from schemas.verdicts import CitizenVerdict, ComplaintClosed, ComplaintReopened
from services.sla.case_state import CaseState
from services.sla.policy import Policy
from services.sla.stages import fire_due
from services.sla.transitions import apply

Period = Literal["week", "month"]


@dataclass(frozen=True)
class Simulation:
    sla_events: list[Event]
    cases: dict[str, CaseState]


def simulate(inputs: list[Event], policy: Policy, now: float) -> Simulation:
    """Run every input, in time order, through the clock transitions; then fire up to `now`."""
    cases: dict[str, CaseState] = {}
    emitted: list[Event] = []
    for event in sorted(inputs, key=lambda e: e.occurred_at):
        case = cases.setdefault(event.complaint_id, CaseState(event.complaint_id))
        emitted += apply(case, event, policy, event.occurred_at.timestamp())
    for case in cases.values():
        emitted += fire_due(case, policy, now, now)
    return Simulation(emitted, cases)


def period_of(moment: datetime, zone: ZoneInfo, period: Period) -> str:
    """"2025-W36" or "2025-09", in the tenant's time zone."""
    local = moment.astimezone(zone)
    if period == "month":
        return f"{local.year}-{local.month:02d}"
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class AgencyPeriod:
    period: str
    agency: str
    assigned: int = 0
    answered: int = 0
    answered_within_target: int = 0
    breaches: int = 0
    escalations: int = 0
    resolution_breaches: int = 0
    redirections_received: int = 0
    redirections_sent: int = 0
    handed_over: int = 0  # clocks stopped by a redirection before the agency answered
    pending: int = 0  # still running at report time, deadline not yet reached
    seconds: list[float] = field(default_factory=list)  # counted time to first response
    # The citizens' verdicts on the agency's resolutions (answer quality, not only speed).
    judged: int = 0  # resolutions the citizen confirmed, rejected, or let close in silence
    confirmed: int = 0
    reopened: int = 0
    ratings: list[int] = field(default_factory=list)
    reopened_again: set[str] = field(default_factory=set)  # cases re-opened more than once
    rank: int = 0

    def quality(self) -> dict[str, object]:
        judged = self.judged or None
        mid = median([float(r) for r in self.ratings])
        return {"resolutions_judged": self.judged, "confirmed_by_citizen": self.confirmed,
                "share_confirmed": None if judged is None else round(self.confirmed / judged, 4),
                "reopened": self.reopened,
                "share_reopened": None if judged is None else round(self.reopened / judged, 4),
                "median_rating": mid,
                "cases_reopened_more_than_once": len(self.reopened_again)}

    def share(self) -> float | None:
        """Answered within target, of the decided cases (neither handed over nor pending)."""
        decided = self.assigned - self.handed_over - self.pending
        return self.answered_within_target / decided if decided > 0 else None

    def row(self) -> dict[str, object]:
        share = self.share()
        mid, top = median(self.seconds), p90(self.seconds)
        return {"period": self.period, "rank": self.rank, "agency": self.agency,
                "assigned": self.assigned, "handed_over": self.handed_over,
                "pending": self.pending,
                "answered": self.answered, "answered_within_target": self.answered_within_target,
                "share_within_target": None if share is None else round(share, 4),
                "median_hours_to_first_response": _round(mid, 3600, 2),
                "p90_hours_to_first_response": _round(top, 3600, 2),
                "median_seconds_to_first_response": _round(mid, 1, 3),
                "p90_seconds_to_first_response": _round(top, 1, 3),
                "breaches": self.breaches, "escalations": self.escalations,
                "resolution_breaches": self.resolution_breaches,
                "redirections_received": self.redirections_received,
                "redirections_sent": self.redirections_sent, **self.quality()}


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def p90(values: list[float]) -> float | None:
    """90th percentile by nearest rank: the value 90% of answers were at or below."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def _round(value: float | None, unit: float, digits: int) -> float | None:
    return None if value is None else round(value / unit, digits)


def aggregate(sim: Simulation, inputs: list[Event], zone: ZoneInfo, period: Period,
              since: date | None = None, until: date | None = None) -> list[AgencyPeriod]:
    """Per (period, agency): response clocks by the period they started in, ranked."""
    rows: dict[tuple[str, str], AgencyPeriod] = {}
    clocks: dict[str, AgencyPeriod] = {}
    running: set[str] = set()  # response clocks neither met, stopped nor breached

    def row(moment: datetime, agency: str) -> AgencyPeriod | None:
        local_day = moment.astimezone(zone).date()
        if (since and local_day < since) or (until and local_day > until):
            return None
        key = (period_of(moment, zone, period), agency)
        return rows.setdefault(key, AgencyPeriod(*key))

    for e in sim.sla_events:
        if isinstance(e, SlaStarted) and e.target is SlaTarget.RESPONSE:
            if (r := row(e.started_at, e.agency)) is not None:
                r.assigned += 1
                clocks[e.clock_id] = r
                running.add(e.clock_id)
        elif isinstance(e, SlaBreached) and e.target is SlaTarget.RESOLUTION:
            if (r := row(e.due_at, e.agency)) is not None:
                r.resolution_breaches += 1
        elif (r := clocks.get(getattr(e, "clock_id", ""))) is not None:
            count_outcome(r, e)
            if isinstance(e, SlaMet | SlaStopped | SlaBreached):
                running.discard(e.clock_id)
    for clock in running:
        clocks[clock].pending += 1
    for e in inputs:
        if isinstance(e, ComplaintRedirected):
            if (r := row(e.occurred_at, e.from_agency)) is not None:
                r.redirections_sent += 1
            if e.to_agency and (r := row(e.occurred_at, e.to_agency)) is not None:
                r.redirections_received += 1
        elif isinstance(e, CitizenVerdict | ComplaintReopened | ComplaintClosed):
            if (r := row(e.occurred_at, e.agency)) is not None:
                count_verdict(r, e)
    return rank(list(rows.values()))


def count_verdict(r: AgencyPeriod, e: Event) -> None:
    """Count what the citizen said of one of the agency's resolutions."""
    if isinstance(e, CitizenVerdict):
        r.judged += 1
        r.confirmed += e.solved
        if e.rating is not None:
            r.ratings.append(e.rating)
    elif isinstance(e, ComplaintClosed) and e.reason == "no_reply":
        r.judged += 1
    elif isinstance(e, ComplaintReopened):
        r.reopened += 1
        if e.round > 2:
            r.reopened_again.add(e.complaint_id)


def count_outcome(r: AgencyPeriod, e: Event) -> None:
    """Count what became of one of the agency's response clocks."""
    if isinstance(e, SlaMet):
        r.answered += 1
        r.answered_within_target += bool(e.within_target)
        r.seconds.append(e.elapsed_seconds)
    elif isinstance(e, SlaBreached):
        r.breaches += 1
    elif isinstance(e, SlaEscalated):
        r.escalations += 1
    elif isinstance(e, SlaStopped):
        r.handed_over += 1


def rank(rows: list[AgencyPeriod]) -> list[AgencyPeriod]:
    """Within each period: best share within target first, then fewest breaches, fastest."""
    def key(r: AgencyPeriod) -> tuple[float, int, float, str]:
        share = r.share()
        fastest = median(r.seconds)
        return (-(share if share is not None else -1.0), r.breaches,
                math.inf if fastest is None else fastest, r.agency)

    ordered: list[AgencyPeriod] = []
    for period in sorted({r.period for r in rows}):
        in_period = sorted((r for r in rows if r.period == period), key=key)
        for position, r in enumerate(in_period, start=1):
            r.rank = position
        ordered += in_period
    return ordered


def case_summary(sim: Simulation, zone: ZoneInfo, period: Period) -> list[dict[str, object]]:
    """The cases' overall clocks: first assignment to the first answer by any agency."""
    seconds: dict[str, list[float]] = defaultdict(list)
    opened: dict[str, int] = defaultdict(int)
    for case in sim.cases.values():
        if case.opened_at is None:
            continue
        key = period_of(datetime.fromtimestamp(case.opened_at, zone), zone, period)
        opened[key] += 1
        if case.first_response_at is not None:
            seconds[key].append(max(0.0, case.first_response_at - case.opened_at))
    return [{"period": k, "cases": opened[k], "answered": len(seconds[k]),
             "median_seconds_to_first_response": _round(median(seconds[k]), 1, 3),
             "p90_seconds_to_first_response": _round(p90(seconds[k]), 1, 3)}
            for k in sorted(opened)]
