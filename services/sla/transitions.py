"""How assignments, answers and redirections move a case's clocks: pure, `now` passed in.

The response clock starts when an agency is assigned and is met by its first answer; the
resolution clock then starts and is met when the case is resolved; it pauses while the
agency waits for the citizen. A redirection stops the holder's clocks, and the next
assignment starts the next agency's, while the case's overall clock (`opened_at`) runs on.
Every transition first fires the stages that came due before the input happened.
"""

from __future__ import annotations

from collections.abc import Callable

from schemas.enums import Priority, ResponseKind, SlaTarget
from schemas.envelope import Event
from schemas.intake import ComplaintWithdrawn
from schemas.responses import AgencyResponded, ComplaintResolved
from schemas.routing import ComplaintAssigned, ComplaintRedirected
from schemas.sla import SlaMet, SlaPaused, SlaResumed, SlaStarted, SlaStopped
from schemas.verdicts import CitizenVerdict, ComplaintClosed, ComplaintReopened
from services.sla.case_state import CaseState, Clock, clock_id
from services.sla.policy import Policy
from services.sla.stages import counted, due_of, envelope, fire_due, to_datetime

ANSWERS = (ResponseKind.FIRST_RESPONSE, ResponseKind.PROGRESS,
           ResponseKind.WAITING_FOR_CITIZEN, ResponseKind.RESOLVED)
RESUMES = (ResponseKind.FIRST_RESPONSE, ResponseKind.PROGRESS)


def start(case: CaseState, agency: str, target: SlaTarget, at: float, cause: Event,
          policy: Policy, now: float) -> Event:
    """Open the holder's clock for a target at `at` under the current policy."""
    priority = Priority(case.priority)
    terms = policy.terms(agency, case.category, priority)
    clock = Clock(clock_id(case.complaint_id, agency, target, case.holds.get(agency, 1)),
                  agency, target, terms.calendar, terms.target(target), terms.warnings,
                  tuple((e.to, e.after) for e in terms.escalation), started_at=at,
                  running_since=at)
    case.clocks.append(clock)
    due = due_of(clock, policy.calendar(clock.calendar), at)
    return SlaStarted(**envelope(case, clock, "started", now) | {"causation_id": cause.event_id},
                      due_at=to_datetime(due), priority=priority,
                      policy_version=policy.version, started_at=to_datetime(at),
                      calendar=clock.calendar, target_seconds=clock.target_s)


def meet(case: CaseState, clock: Clock, at: float, policy: Policy, now: float) -> Event:
    calendar = policy.calendar(clock.calendar)
    elapsed = counted(clock, calendar, at)
    case.clocks.remove(clock)
    opened = to_datetime(case.opened_at) if case.opened_at is not None else None
    return SlaMet(**envelope(case, clock, "met", now), due_at=to_datetime(
        due_of(clock, calendar, at)), met_at=to_datetime(at), elapsed_seconds=max(0.0, elapsed),
        within_target=elapsed <= clock.target_s, case_opened_at=opened)


def stop_all(case: CaseState, at: float, reason: str, policy: Policy, now: float) -> list[Event]:
    """End the holder's clocks without meeting them: the time so far stays theirs."""
    stopped: list[Event] = []
    for clock in list(case.clocks):
        calendar = policy.calendar(clock.calendar)
        due = to_datetime(due_of(clock, calendar, at))
        stopped.append(SlaStopped(
            **envelope(case, clock, "stopped", now), due_at=due, reason=reason[:200],
            elapsed_seconds=max(0.0, counted(clock, calendar, at))))
        case.clocks.remove(clock)
    return stopped


def pause(case: CaseState, clock: Clock, at: float, cause: Event, policy: Policy,
          now: float) -> Event:
    calendar = policy.calendar(clock.calendar)
    due = due_of(clock, calendar, at)
    clock.consumed = counted(clock, calendar, at)
    clock.running_since = None
    return SlaPaused(**envelope(case, clock, f"paused:{cause.event_id}", now),
                     due_at=to_datetime(due))


def resume(case: CaseState, clock: Clock, at: float, cause: Event, policy: Policy,
           now: float) -> Event:
    clock.running_since = at
    due = due_of(clock, policy.calendar(clock.calendar), at)
    return SlaResumed(**envelope(case, clock, f"resumed:{cause.event_id}", now),
                      due_at=to_datetime(due))


def on_assigned(case: CaseState, ev: ComplaintAssigned, at: float, policy: Policy,
                now: float) -> list[Event]:
    if case.holder == ev.agency and case.clocks:
        return []  # the same agency keeps its running clock
    out = stop_all(case, at, f"reassigned to {ev.agency}", policy, now)
    case.holder, case.waiting_since = ev.agency, None
    case.category, case.priority = ev.category, str(ev.priority)
    case.correlation_id = case.correlation_id or str(ev.correlation_id or ev.event_id)
    case.opened_at = case.opened_at if case.opened_at is not None else at
    case.holds[ev.agency] = case.holds.get(ev.agency, 0) + 1
    return out + [start(case, ev.agency, SlaTarget.RESPONSE, at, ev, policy, now)]


def on_responded(case: CaseState, ev: AgencyResponded, at: float, policy: Policy,
                 now: float) -> list[Event]:
    if ev.kind not in ANSWERS:
        return []  # "not ours": the redirection that follows stops the clock
    if case.first_response_at is None:
        case.first_response_at = at
    if ev.agency != case.holder:
        return []  # a former holder's late answer does not touch the new holder's clocks
    out: list[Event] = []
    response = case.clock(SlaTarget.RESPONSE)
    if response is not None:
        out.append(meet(case, response, at, policy, now))
        if ev.kind is not ResponseKind.RESOLVED:
            out.append(start(case, ev.agency, SlaTarget.RESOLUTION, at, ev, policy, now))
    resolution = case.clock(SlaTarget.RESOLUTION)
    if ev.kind is ResponseKind.RESOLVED:
        return out + resolve(case, ev.agency, at, policy, now)
    if resolution is None:
        return out
    if ev.kind is ResponseKind.WAITING_FOR_CITIZEN and resolution.running_since is not None:
        case.waiting_since = at
        out.append(pause(case, resolution, at, ev, policy, now))
    elif ev.kind in RESUMES and resolution.running_since is None:
        case.waiting_since = None
        out.append(resume(case, resolution, at, ev, policy, now))
    return out


def resolve(case: CaseState, agency: str, at: float, policy: Policy, now: float) -> list[Event]:
    """Close the case: the holder's clocks are met if it resolved it, stopped otherwise."""
    out: list[Event] = []
    if agency == case.holder:
        out += [meet(case, clock, at, policy, now) for clock in list(case.clocks)]
    out += stop_all(case, at, f"resolved by {agency}", policy, now)
    case.closed = True
    return out


def on_resolved(case: CaseState, ev: ComplaintResolved, at: float, policy: Policy,
                now: float) -> list[Event]:
    if case.first_response_at is None:
        case.first_response_at = at
    return resolve(case, ev.agency, at, policy, now)


def on_redirected(case: CaseState, ev: ComplaintRedirected, at: float, policy: Policy,
                  now: float) -> list[Event]:
    if ev.from_agency != case.holder:
        return []  # already reassigned (assignment and redirection travel on two topics)
    where = ev.to_agency or "triage"
    out = stop_all(case, at, f"redirected to {where}: {ev.reason}", policy, now)
    case.holder, case.waiting_since = None, None
    return out


def on_reopened(case: CaseState, ev: ComplaintReopened, at: float, policy: Policy,
                now: float) -> list[Event]:
    """Not solved, says the citizen: the same agency's new round starts a new response clock."""
    out = stop_all(case, at, f"re-opened by the citizen (round {ev.round})", policy, now)
    case.closed, case.holder, case.waiting_since = False, ev.agency, None
    case.holds[ev.agency] = case.holds.get(ev.agency, 0) + 1
    return out + [start(case, ev.agency, SlaTarget.RESPONSE, at, ev, policy, now)]


def on_withdrawn(case: CaseState, ev: ComplaintWithdrawn, at: float, policy: Policy,
                 now: float) -> list[Event]:
    """The citizen deleted the message: the holder's clocks stop (their time so far stays
    theirs), nobody owes an answer now, and the case is closed."""
    out = stop_all(case, at, f"withdrawn by the citizen ({ev.reason})", policy, now)
    case.holder, case.waiting_since, case.closed = None, None, True
    return out


def unchanged(case: CaseState, ev: Event, at: float, policy: Policy, now: float) -> list[Event]:
    return []  # the verdict itself and the final closing move no clock


Transition = Callable[[CaseState, Event, float, Policy, float], list[Event]]
TRANSITIONS: dict[type[Event], Transition] = {
    ComplaintAssigned: on_assigned,  # type: ignore[dict-item]
    AgencyResponded: on_responded,  # type: ignore[dict-item]
    ComplaintResolved: on_resolved,  # type: ignore[dict-item]
    ComplaintRedirected: on_redirected,  # type: ignore[dict-item]
    ComplaintReopened: on_reopened,  # type: ignore[dict-item]
    ComplaintWithdrawn: on_withdrawn,  # type: ignore[dict-item]
    CitizenVerdict: unchanged,
    ComplaintClosed: unchanged,
}


def moves_clocks(event: Event) -> bool:
    """Whether the keeper takes this input (complaints.updated also carries edits)."""
    return type(event) in TRANSITIONS


def apply(case: CaseState, event: Event, policy: Policy, now: float) -> list[Event]:
    """The SLA events one input causes, in order; `case` is updated in place.

    Idempotent: a redelivered input (same event id) changes nothing and emits nothing.
    """
    if not case.remember(input_key(event)):
        return []
    if case.closed and not isinstance(event, ComplaintReopened):
        return []
    case.tenant = event.tenant
    at = event.occurred_at.timestamp()
    return fire_due(case, policy, at, now) + TRANSITIONS[type(event)](case, event, at, policy, now)


def input_key(event: Event) -> str:
    """The key under which a case remembers an input it applied."""
    return event.event_id.hex[:16]

