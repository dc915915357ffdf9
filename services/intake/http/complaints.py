"""HTTP entrypoint for channel adapters and citizens: post a complaint, read its status."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel

from schemas.envelope import utcnow
from schemas.intake import ComplaintSubmission
from services.intake.access.auth import ADAPTER_ERRORS, AdapterKeyDep, require_channel
from services.intake.cases.accept import accept
from services.intake.cases.registry import Case
from services.intake.state import StateDep
from services.intake.status.store import case_view

router = APIRouter(prefix="/v1", tags=["complaints"])
TICKET = r"^[A-Za-z0-9-]+$"


class Accepted(BaseModel):
    complaint_id: str
    ticket: str
    duplicate: bool

    @classmethod
    def of(cls, case: Case, duplicate: bool) -> Accepted:
        return cls(complaint_id=case.complaint_id, ticket=case.ticket, duplicate=duplicate)


class HistoryLine(BaseModel):
    at: datetime
    kind: str
    agency: str | None = None
    message: str | None = None


class CaseStatus(BaseModel):
    ticket: str
    status: str
    agency: str | None
    agency_name: str | None
    channel: str
    received_at: datetime
    updated_at: datetime
    due_at: datetime | None
    history: list[HistoryLine]


@router.post("/complaints", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted,
             responses=ADAPTER_ERRORS)
async def post_complaint(submission: ComplaintSubmission, key: AdapterKeyDep,
                         state: StateDep) -> Accepted:
    """Accept a normalized complaint; answers only once the event is durably in Kafka."""
    require_channel(key, submission.channel)
    case, duplicate = await accept(state, submission, utcnow())
    return Accepted.of(case, duplicate)


@router.get("/complaints/{ticket}", response_model=CaseStatus,
            responses={404: {"description": "No case has this ticket"}})
async def get_complaint(state: StateDep,
                        ticket: str = Path(max_length=32, pattern=TICKET,
                                           examples=["KTP-2026-004217"])
                        ) -> CaseStatus:
    """A case's current status, agency and public history, for the citizen holding the ticket."""
    view = await case_view(state.pool, ticket)
    if view is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no case has ticket {ticket!r}")
    agency = state.settings.directory().get(view["agency"]) if view["agency"] else None
    return CaseStatus(
        ticket=view["ticket"], status=view["status"], agency=view["agency"],
        agency_name=agency.name if agency else None, channel=view["channel"],
        received_at=view["received_at"], updated_at=view["updated_at"], due_at=view["due_at"],
        history=[HistoryLine(at=h["occurred_at"], kind=h["kind"], agency=h["agency"],
                             message=h["message"]) for h in view["history"]])
