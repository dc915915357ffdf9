"""HTTP entrypoint for channel adapters: POST a complaint, get its ticket."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from pydantic import BaseModel

from schemas.envelope import utcnow
from schemas.intake import ComplaintSubmission
from schemas.topics import RECEIVED
from services.intake.cases import Case, CaseBuilder, mark_published, open_case_retrying
from services.intake.metrics import COMPLAINTS
from services.intake.state import IntakeState

router = APIRouter(prefix="/v1", tags=["complaints"])


def get_state(request: Request) -> IntakeState:
    return request.app.state.intake


StateDep = Annotated[IntakeState, Depends(get_state)]


class Accepted(BaseModel):
    complaint_id: str
    ticket: str
    duplicate: bool


def reporter_id(submission: ComplaintSubmission) -> str | None:
    """A pseudonym that is stable per contact but reveals nothing about it."""
    contact = submission.reporter.phone or submission.reporter.email or submission.reporter.handle
    if not contact:
        return None
    return "r-" + hashlib.sha256(f"{submission.channel}:{contact}".encode()).hexdigest()[:24]


async def accept(state: IntakeState, submission: ComplaintSubmission) -> tuple[Case, bool]:
    """Open (or find) the case and make sure its event is durably in Kafka."""
    now = utcnow()
    build = CaseBuilder(submission.channel, submission.channel_message_id, {
        "tenant": state.settings.tenant,
        "text": submission.text,
        "reporter_id": reporter_id(submission),
        "anonymous": submission.anonymous,
        "confidential": submission.confidential,
        "kecamatan": submission.kecamatan,
        "location": submission.location,
        "attachments": submission.attachments,
        "submitted_at": submission.occurred_at,
        "occurred_at": now,
    })
    case = await open_case_retrying(state.pool, state.settings.ticket_prefix, now, build)
    if not case.published:
        await state.producer.send(RECEIVED.name, case.event)
        await mark_published(state.pool, case.complaint_id)
    return case, not case.created


@router.post("/complaints", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
async def post_complaint(submission: ComplaintSubmission, state: StateDep) -> Accepted:
    """Accept a normalized complaint; answers only once the event is durably in Kafka."""
    case, duplicate = await accept(state, submission)
    COMPLAINTS.labels(channel=submission.channel, outcome="duplicate" if duplicate else "new").inc()
    return Accepted(complaint_id=case.complaint_id, ticket=case.ticket, duplicate=duplicate)
