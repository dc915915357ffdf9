"""The agency's answer over HTTP: an agency, by its own key, answers the cases it holds.

Who holds a case is read from intake's citizen-facing projection (case_status), which intake
keeps from complaints.assigned, complaints.redirected and the other lifecycle topics. The
answer becomes AgencyResponded (and ComplaintResolved for a resolution) on complaints.responses,
durable before the 202; the SLA clocks and the citizen's notice follow from that topic.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field

from schemas.directory import Directory
from schemas.enums import ResponseKind
from schemas.envelope import derived_id, utcnow
from schemas.responses import AgencyResponded, ComplaintResolved
from schemas.topics import RESPONSES
from services.intake.answers.keys import AgencyKey, bearer_secret, find_agency_key
from services.intake.state import IntakeState
from services.runtime.producer import Outgoing

router = APIRouter(prefix="/v1", tags=["agency answers"])
# Statuses in which the holding agency may answer; a case in transit or closed may not be.
ANSWERABLE = {"assigned", "in_progress", "waiting_for_citizen", "triage", "reopened"}


class Answer(BaseModel):
    """The body an agency sends."""

    model_config = ConfigDict(extra="forbid")

    kind: ResponseKind
    message: str = Field(min_length=1, max_length=4000)
    public: bool = True
    redirect_to: str | None = Field(default=None, max_length=64)
    responder: str | None = Field(default=None, max_length=128)


class Answered(BaseModel):
    event_id: uuid.UUID
    complaint_id: str
    ticket: str
    kind: ResponseKind


@dataclass(frozen=True)
class Holding:
    complaint_id: str
    ticket: str
    agency: str | None
    status: str


def refusal(holding: Holding | None, agency: str, answer: Answer,
            directory: Directory) -> tuple[int, str] | None:
    """Why this agency may not give this answer on this case (HTTP status, detail), or None."""
    if holding is None:
        return 404, "unknown case (a new assignment may take a moment to reach intake)"
    if holding.agency != agency:
        return 403, "this case is not held by your agency"
    if holding.status not in ANSWERABLE:
        return 409, f"the case is {holding.status} and takes no answer"
    if answer.redirect_to is not None:
        if answer.kind is not ResponseKind.NOT_OURS:
            return 422, "redirect_to goes only with kind not_ours"
        if answer.redirect_to == agency or answer.redirect_to not in directory.codes():
            return 422, f"redirect_to {answer.redirect_to!r} is not another known agency"
    return None


def answer_events(answer: Answer, agency: str, holding: Holding,
                  event_id: uuid.UUID) -> list[Outgoing]:
    """AgencyResponded, and ComplaintResolved when the agency resolves the case."""
    responded = AgencyResponded(
        event_id=event_id, occurred_at=utcnow(), complaint_id=holding.complaint_id,
        agency=agency, kind=answer.kind, message=answer.message, public=answer.public,
        redirect_to=answer.redirect_to, responder=answer.responder)
    outgoing: list[Outgoing] = [(RESPONSES.name, responded)]
    if answer.kind is ResponseKind.RESOLVED:
        resolved = ComplaintResolved(**responded.caused("resolved"),
                                     occurred_at=responded.occurred_at, agency=agency,
                                     summary=answer.message)
        outgoing.append((RESPONSES.name, resolved))
    return outgoing


async def holding_of(pool: asyncpg.Pool, case: str) -> Holding | None:
    """The case by complaint id or ticket, with the agency holding it and its status."""
    row = await pool.fetchrow(
        "SELECT complaint_id, ticket, agency, status FROM case_status"
        " WHERE complaint_id = $1 OR ticket = $1 LIMIT 1", case)
    if row is None:
        return None
    return Holding(row["complaint_id"], row["ticket"], row["agency"], row["status"])


async def already_applied(pool: asyncpg.Pool, event_id: uuid.UUID) -> bool:
    """Whether intake's view already applied this event (intake records every event id)."""
    return bool(await pool.fetchval("SELECT true FROM applied_events WHERE event_id = $1",
                                    event_id))


def _state(request: Request) -> IntakeState:
    return request.app.state.intake


async def agency_of(request: Request,
                    authorization: Annotated[str | None, Header()] = None) -> AgencyKey:
    """The agency whose key authorises this request; 401 without a valid one."""
    secret = bearer_secret(authorization)
    key = await find_agency_key(_state(request).pool, secret) if secret else None
    if key is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "an agency key is required",
                            headers={"WWW-Authenticate": "Bearer"})
    return key


@router.post("/cases/{case}/responses", status_code=status.HTTP_202_ACCEPTED,
             response_model=Answered)
async def answer_case(case: str, answer: Answer, request: Request,
                      key: Annotated[AgencyKey, Depends(agency_of)],
                      idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
                      ) -> Answered:
    """Answer a case your agency holds (by complaint id or ticket); 202 once durable in Kafka.

    Send an Idempotency-Key header to make a retried request the same answer (same event id).
    """
    state = _state(request)
    holding = await holding_of(state.pool, case)
    event_id = uuid.uuid4()
    if holding is not None and idempotency_key:
        event_id = derived_id("agency-answer", key.agency, holding.complaint_id, idempotency_key)
        if holding.agency == key.agency and await already_applied(state.pool, event_id):
            # A retry of an answer that already took effect (the case may now be resolved).
            return Answered(event_id=event_id, complaint_id=holding.complaint_id,
                            ticket=holding.ticket, kind=answer.kind)
    refused = refusal(holding, key.agency, answer, state.settings.directory())
    if refused is not None:
        raise HTTPException(*refused)
    assert holding is not None
    await state.producer.send_many(answer_events(answer, key.agency, holding, event_id))
    return Answered(event_id=event_id, complaint_id=holding.complaint_id, ticket=holding.ticket,
                    kind=answer.kind)
