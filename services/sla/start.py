"""Starting a clock: a pure function from an assignment to its SlaStarted event."""

from __future__ import annotations

from datetime import timedelta

from schemas.enums import SlaTarget
from schemas.routing import ComplaintAssigned
from schemas.sla import SlaStarted

POLICY_VERSION = "calendar-48h-1"


def clock_id(complaint_id: str, agency: str, target: SlaTarget) -> str:
    return f"{complaint_id}:{agency}:{target}"


def start_clock(assigned: ComplaintAssigned, target_seconds: float) -> SlaStarted:
    """The agency's response clock starts when the case is assigned."""
    started = assigned.occurred_at
    return SlaStarted(
        **assigned.caused("sla-started"),
        clock_id=clock_id(assigned.complaint_id, assigned.agency, SlaTarget.RESPONSE),
        agency=assigned.agency, target=SlaTarget.RESPONSE, priority=assigned.priority,
        policy_version=POLICY_VERSION, started_at=started,
        due_at=started + timedelta(seconds=target_seconds),
    )
