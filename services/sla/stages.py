"""A clock's schedule (warnings, breach, escalations) and firing what has come due.

Each stage's event id is derived from the clock id and the stage name, and a clock records
how many stages it has fired, so a stage is emitted once however often we recompute.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Literal

from schemas.envelope import Event, derived_id
from schemas.sla import SlaBreached, SlaEscalated, SlaWarning
from services.sla.case_state import CaseState, Clock
from services.sla.policy import Policy
from services.sla.working_time import Calendar


@dataclass(frozen=True, slots=True)
class Stage:
    name: str  # part of the event id: "warning:0.5", "breached", "escalated:2"
    kind: Literal["warning", "breach", "escalation"]
    offset: float  # counted seconds after the clock started
    fraction: float = 0.0
    level: int = 0
    role: str = ""


class Schedule(tuple[Stage, ...]):
    """A clock's stages in firing order, with the index of each kind's first stage (a clock
    has fired a breach once `fired` passes it: asked for every case the timer touches)."""

    first: dict[str, int]


@lru_cache(maxsize=256)
def schedule(target_s: float, warnings: tuple[float, ...],
             escalation: tuple[tuple[str, float], ...]) -> Schedule:
    """Stages in firing order: warnings, the breach, then escalation levels by delay."""
    stages = [Stage(f"warning:{f:g}", "warning", f * target_s, fraction=f)
              for f in sorted(set(warnings))]
    stages.append(Stage("breached", "breach", target_s))
    for level, (role, after) in enumerate(sorted(escalation, key=lambda e: e[1]), start=1):
        stages.append(Stage(f"escalated:{level}", "escalation", target_s + after, level=level,
                            role=role))
    made = Schedule(stages)
    made.first = {}
    for index, stage in enumerate(made):
        made.first.setdefault(stage.kind, index)
    return made


def stages_of(clock: Clock) -> Schedule:
    return schedule(clock.target_s, clock.warnings, clock.escalation)


def to_datetime(instant: float) -> datetime:
    return datetime.fromtimestamp(instant, UTC)


def counted(clock: Clock, calendar: Calendar, at: float) -> float:
    """Counted seconds on the clock at `at`."""
    if clock.running_since is None:
        return clock.consumed
    return clock.consumed + calendar.between(clock.running_since, at)


def instant_of(clock: Clock, calendar: Calendar, offset: float, resume_at: float) -> float:
    """When the clock reaches `offset` counted seconds (if paused: were it resumed then)."""
    start = clock.running_since if clock.running_since is not None else resume_at
    return calendar.add(start, offset - clock.consumed)


def due_of(clock: Clock, calendar: Calendar, resume_at: float) -> float:
    return instant_of(clock, calendar, clock.target_s, resume_at)


def next_stage_at(clock: Clock, calendar: Calendar) -> float | None:
    """When the clock's next stage fires; None when paused or all stages have fired."""
    stages = stages_of(clock)
    if clock.running_since is None or clock.fired >= len(stages):
        return None
    return instant_of(clock, calendar, stages[clock.fired].offset, clock.running_since)


def next_due(case: CaseState, policy: Policy) -> float | None:
    """The earliest instant at which any of the case's clocks has a stage to fire."""
    instants = [at for c in case.clocks
                if (at := next_stage_at(c, policy.calendar(c.calendar))) is not None]
    return min(instants, default=None)


@lru_cache(maxsize=4096)
def started_id(clock_id: str) -> uuid.UUID:
    """The id of a clock's SlaStarted, the cause of each of its later events (asked for by
    every one of them: a clock's events come close together in a batch or a replay)."""
    return derived_id(clock_id, "started")


def envelope(case: CaseState, clock: Clock, step: str, now: float) -> dict[str, object]:
    """Envelope fields of a clock's event: id derived from (clock, step), time of emission."""
    return {"event_id": derived_id(clock.clock_id, step), "tenant": case.tenant,
            "complaint_id": case.complaint_id, "occurred_at": to_datetime(now),
            "causation_id": started_id(clock.clock_id),
            "correlation_id": case.correlation_id,
            "clock_id": clock.clock_id, "agency": clock.agency, "target": clock.target}


def stage_event(case: CaseState, clock: Clock, stage: Stage, fire_at: float, due: float,
                now: float) -> Event:
    common = envelope(case, clock, stage.name, now) | {"due_at": to_datetime(due)}
    if stage.kind == "warning":
        return SlaWarning(**common, fraction=stage.fraction, fire_at=to_datetime(fire_at))
    if stage.kind == "breach":
        return SlaBreached(**common)
    return SlaEscalated(**common, level=stage.level, escalate_to=stage.role,
                        fire_at=to_datetime(fire_at))


def fire_due(case: CaseState, policy: Policy, upto: float, now: float) -> list[Event]:
    """Fire, in order, every stage of every running clock due at or before `upto`.

    Each event carries the instant it was due (fire_at/due_at), so a stage that came due
    while the service was down is emitted late but with its original time.
    """
    fired: list[tuple[float, int, Event]] = []
    for order, clock in enumerate(case.clocks):
        if clock.running_since is None:
            continue
        calendar = policy.calendar(clock.calendar)
        stages = stages_of(clock)
        due = due_of(clock, calendar, upto)
        while clock.fired < len(stages):
            stage = stages[clock.fired]
            at = instant_of(clock, calendar, stage.offset, upto)
            if at > upto:
                break
            fired.append((at, order, stage_event(case, clock, stage, at, due, now)))
            clock.fired += 1
    return [event for _, _, event in sorted(fired, key=lambda f: (f[0], f[1]))]


def has_fired(clock: Clock, kind: str) -> bool:
    """Whether a stage of this kind has fired on the clock."""
    first = stages_of(clock).first.get(kind)
    return first is not None and clock.fired > first
