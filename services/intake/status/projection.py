"""What each lifecycle event means for the citizen's view of a case: status, agency, history.

Pure decisions over events; services/intake/status/store.py applies them to PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from schemas.enums import ResponseKind, SlaTarget
from schemas.envelope import Event
from schemas.intake import (
    ComplaintEdited,
    ComplaintEnriched,
    ComplaintReceived,
    ComplaintWithdrawn,
)
from schemas.responses import AgencyResponded, ComplaintResolved
from schemas.routing import (
    ComplaintAssigned,
    ComplaintExternal,
    ComplaintRedirected,
    ComplaintSuppressed,
    ComplaintTriaged,
)
from schemas.sla import SlaStarted
from schemas.verdicts import CitizenVerdict, ComplaintClosed, ComplaintReopened

# The statuses a citizen can see; Open311 calls the last three "closed".
RECEIVED = "received"
TRIAGE = "triage"
ASSIGNED = "assigned"
IN_PROGRESS = "in_progress"
WAITING = "waiting_for_citizen"
REDIRECTED = "redirected"
RESOLVED = "resolved"
NOT_ANSWERED = "not_answered"  # recorded, not answered: political, spam, not a complaint
EXTERNAL = "external"  # outside regency authority, sent on with a message
REOPENED = "reopened"  # the citizen said the resolution did not solve it: a new round
FINISHED = "closed"  # resolution confirmed by the citizen, or no answer within the window
WITHDRAWN = "withdrawn"  # the citizen deleted the message; the case is kept for the record
EDITED = "edited"  # a history line only: the citizen changed the text
CLOSED = {RESOLVED, NOT_ANSWERED, EXTERNAL, FINISHED, WITHDRAWN}

_BY_KIND = {
    ResponseKind.FIRST_RESPONSE: IN_PROGRESS,
    ResponseKind.PROGRESS: IN_PROGRESS,
    ResponseKind.WAITING_FOR_CITIZEN: WAITING,
    ResponseKind.RESOLVED: RESOLVED,
    ResponseKind.NOT_OURS: REDIRECTED,
}


@dataclass(frozen=True)
class Change:
    """How one event changes the view; None fields leave it as it is."""

    status: str | None = None
    agency: str | None = None
    due_at: datetime | None = None
    history: str | None = None  # kind of the public history line, if the event adds one
    message: str | None = None  # public text of that line
    description: str | None = None  # the case's new (masked) text


def change_for(event: Event) -> Change | None:
    """The event's effect on the citizen's view, or None when it has none."""
    match event:
        case ComplaintReceived():
            return Change(status=RECEIVED, history=RECEIVED)
        case ComplaintAssigned():
            return Change(status=ASSIGNED, agency=event.agency, history=ASSIGNED)
        case ComplaintTriaged():
            return Change(status=TRIAGE, agency=event.agency, history=TRIAGE)
        case ComplaintSuppressed():
            # The reason (political, spam...) is for the center's records, not the status page.
            return Change(status=NOT_ANSWERED, agency=event.agency, history=NOT_ANSWERED)
        case ComplaintExternal():
            return Change(status=EXTERNAL, agency=event.agency, history=EXTERNAL,
                          message=event.citizen_message or None)
        case ComplaintRedirected():
            return Change(status=REDIRECTED, agency=event.to_agency, history=REDIRECTED)
        case AgencyResponded() if event.public:
            return Change(status=_BY_KIND[event.kind], agency=event.agency,
                          history=event.kind.value, message=event.message)
        case ComplaintResolved():
            return Change(status=RESOLVED, agency=event.agency, history=RESOLVED,
                          message=event.summary or None)
        case CitizenVerdict():
            return Change(history="verdict_solved" if event.solved else "verdict_not_solved",
                          message=event.reason or None)
        case ComplaintReopened():
            return Change(status=REOPENED, agency=event.agency, history=REOPENED)
        case ComplaintClosed():
            return Change(status=FINISHED, agency=event.agency, history=f"closed_{event.reason}")
        case ComplaintEdited():
            return Change(history=EDITED, description=event.text)
        case ComplaintEnriched():
            # The case opened without its text (a failed look-up); no history line needed.
            return Change(description=event.text)
        case ComplaintWithdrawn():
            return Change(status=WITHDRAWN, history=WITHDRAWN)
        case SlaStarted() if event.target is SlaTarget.RESPONSE:
            return Change(due_at=event.due_at)
    return None


def open311_status(status: str) -> str:
    """GeoReport v2 knows only open and closed."""
    return "closed" if status in CLOSED else "open"
