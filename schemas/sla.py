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
    elapsed_seconds: float = Field(ge=0)


class SlaStopped(_Clock):
    """The agency's clock ended without being met or breached (e.g. redirected away)."""

    type: Literal["SlaStopped"] = "SlaStopped"
    reason: str = Field(max_length=200)


class SlaPaused(_Clock):
    type: Literal["SlaPaused"] = "SlaPaused"


class SlaResumed(_Clock):
    type: Literal["SlaResumed"] = "SlaResumed"
