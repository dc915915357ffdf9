"""Events of the SLA clocks: started, warned, breached, escalated, met, stopped."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from schemas.enums import Priority, SlaTarget
from schemas.envelope import Event


class _Clock(Event):
    type: str
    clock_id: str = Field(max_length=160)  # complaint, agency and target: one clock each
    agency: str = Field(max_length=64)
    target: SlaTarget = SlaTarget.RESPONSE
    due_at: AwareDatetime


class SlaStarted(_Clock):
    type: Literal["SlaStarted"] = "SlaStarted"
    priority: Priority = Priority.NORMAL
    policy_version: str = Field(max_length=64)
    started_at: AwareDatetime
    # Added in schema 1 without a version bump (optional): how the deadline was computed.
    calendar: str | None = Field(default=None, max_length=64)  # policy calendar it counts on
    target_seconds: float | None = Field(default=None, gt=0)  # counted seconds to the deadline


class SlaWarning(_Clock):
    type: Literal["SlaWarning"] = "SlaWarning"
    fraction: float = Field(gt=0, lt=1)
    fire_at: AwareDatetime  # when it was due to fire; late if the service was down


class SlaBreached(_Clock):
    type: Literal["SlaBreached"] = "SlaBreached"


class SlaEscalated(_Clock):
    type: Literal["SlaEscalated"] = "SlaEscalated"
    level: int = Field(ge=1)
    escalate_to: str = Field(max_length=64)  # role: head_of_agency, regional_secretary
    fire_at: AwareDatetime


class SlaMet(_Clock):
    type: Literal["SlaMet"] = "SlaMet"
    met_at: AwareDatetime
    elapsed_seconds: float = Field(ge=0)  # counted on the clock's calendar, pauses excluded
    # Optional additions: a clock met after its deadline is met late, not within target;
    # the case's overall clock runs from its first assignment across redirections.
    within_target: bool | None = None
    case_opened_at: AwareDatetime | None = None


class SlaStopped(_Clock):
    """The agency's clock ended without being met or breached (e.g. redirected away)."""

    type: Literal["SlaStopped"] = "SlaStopped"
    reason: str = Field(max_length=200)
    elapsed_seconds: float | None = Field(default=None, ge=0)  # counted while the agency held it


class SlaPaused(_Clock):
    type: Literal["SlaPaused"] = "SlaPaused"


class SlaResumed(_Clock):
    type: Literal["SlaResumed"] = "SlaResumed"
