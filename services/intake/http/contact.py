"""Operators' read of a reporter's contact data: GET /v1/cases/{ticket}/contact.

Contact data never travels on the lifecycle topics, so the center's staff ask intake, which
keeps it. Only an operator key may ask, with a reason; each read is recorded (who, for whom,
when, which case, why) before anything is answered. An anonymous report's contact is withheld
(the citizen asked not to be known), and an erased one is gone (410).
"""

from __future__ import annotations

import secrets
from typing import Annotated, Literal

import asyncpg
from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request, Security
from fastapi import status as http
from pydantic import BaseModel

from services.intake.answers.keys import AGENCY_KEY_PREFIX, bearer_secret, find_agency_key
from services.intake.http.operator import OPERATOR_KEY, operator_name
from services.intake.state import StateDep

router = APIRouter(prefix="/v1", tags=["operator"])
Outcome = Literal["shown", "anonymous", "erased", "none"]


class ReporterContact(BaseModel):
    complaint_id: str
    ticket: str
    channel: str  # the channel the complaint came from
    confidential: bool  # not to be passed on: the citizen asked for discretion
    anonymous: bool
    outcome: Outcome  # shown; anonymous: withheld; none: the case has no contact on record
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    handle: str | None = None
    access_id: str  # the record of this read


def outcome_of(anonymous: bool, has_reporter: bool, erased: bool) -> Outcome:
    """What a read of this case's contact gives: erasure first, then anonymity."""
    if erased:
        return "erased"
    if anonymous:
        return "anonymous"
    return "shown" if has_reporter else "none"


async def contact_reader(request: Request, state: StateDep,
                         key: Annotated[str | None, Security(OPERATOR_KEY)] = None,
                         authorization: Annotated[str | None, Header()] = None) -> str:
    """The operator asking; an agency's key is refused outright (403), whichever header."""
    agency_secret = bearer_secret(authorization) or (
        key if key and key.startswith(AGENCY_KEY_PREFIX) else None)
    if agency_secret and await find_agency_key(state.pool, agency_secret) is not None:
        raise HTTPException(http.HTTP_403_FORBIDDEN, "agency keys cannot read reporters' contact "
                         "data; it is for the complaint center's operators")
    return await operator_name(request, key)


CASE = """
SELECT c.complaint_id, c.ticket, c.channel, c.reporter_id,
       COALESCE((c.event->>'anonymous')::boolean, false) AS anonymous,
       COALESCE((c.event->>'confidential')::boolean, false) AS confidential,
       r.name, r.phone, r.email, r.handle,
       (r.erased_at IS NOT NULL
        OR EXISTS (SELECT 1 FROM erasures e WHERE e.ticket = c.ticket)) AS erased
FROM cases c LEFT JOIN reporters r ON r.reporter_id = c.reporter_id
WHERE c.ticket = $1 OR c.complaint_id = $1
"""


async def _record(pool: asyncpg.Pool, row: asyncpg.Record, operator: str, for_user: str | None,
                  reason: str, outcome: Outcome) -> str:
    access_id = "ca-" + secrets.token_hex(8)
    await pool.execute(
        "INSERT INTO contact_accesses (access_id, complaint_id, ticket, operator, on_behalf_of,"
        " reason, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7)", access_id,
        row["complaint_id"], row["ticket"], operator, for_user, reason, outcome)
    return access_id


@router.get("/cases/{ticket}/contact", response_model=ReporterContact, responses={
    401: {"description": "No operator key, or an unknown one"},
    403: {"description": "An agency's key: contact data is for the center's operators only"},
    404: {"description": "No such case"},
    410: {"description": "The reporter's contact data was erased (UU PDP)"},
    422: {"description": "The reason is missing or too short"}})
async def reporter_contact(
        state: StateDep, operator: Annotated[str, Depends(contact_reader)],
        ticket: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9-]+$")],
        reason: Annotated[str, Query(min_length=5, max_length=500, pattern=r"\S.{3,}\S",
                                     description="Why the contact is needed; recorded")],
        x_on_behalf_of: Annotated[str | None, Header(max_length=200, description=(
            "The person the calling service acts for (the console's signed-in user)"))] = None,
) -> ReporterContact:
    """The reporter's contact of a case (by ticket or complaint id); every read is recorded."""
    row = await state.pool.fetchrow(CASE, ticket)
    if row is None:
        raise HTTPException(http.HTTP_404_NOT_FOUND, f"no case {ticket!r}")
    outcome = outcome_of(row["anonymous"], row["reporter_id"] is not None, row["erased"])
    access_id = await _record(state.pool, row, operator, x_on_behalf_of, reason.strip(), outcome)
    if outcome == "erased":
        raise HTTPException(http.HTTP_410_GONE, f"erased: the reporter's contact data of "
                         f"{row['ticket']} was erased and cannot be shown")
    shown = outcome == "shown"
    return ReporterContact(
        complaint_id=row["complaint_id"], ticket=row["ticket"], channel=row["channel"],
        confidential=row["confidential"], anonymous=row["anonymous"], outcome=outcome,
        access_id=access_id, **({k: row[k] for k in ("name", "phone", "email", "handle")}
                                if shown else {}))
