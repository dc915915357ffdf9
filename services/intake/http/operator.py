"""Operators' HTTP endpoint: assign a case to an agency, as an AssignComplaint on its topic."""

from __future__ import annotations

import hmac
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from schemas.enums import Priority
from schemas.envelope import derived_id
from schemas.routing import AssignComplaint
from schemas.topics import COMMANDS
from services.intake.access.credentials import hash_secret
from services.intake.state import IntakeState, StateDep
from services.runtime.settings import RuntimeSettings

router = APIRouter(prefix="/v1/operator", tags=["operator"])
OPERATOR_KEY = APIKeyHeader(name="X-Operator-Key", auto_error=False,
                            description="An operator's key (SHA-256 in TANGGAP_OPERATOR_KEYS)")


class OperatorSettings(RuntimeSettings):
    """Operators allowed to route cases: name -> SHA-256 hex digest of their key."""

    model_config = SettingsConfigDict(env_prefix="TANGGAP_", env_file=".env", extra="ignore")

    # Keys are random tokens of 256 bits, so a fast unsalted hash is enough and nothing secret
    # sits in the configuration; revoking an operator is removing their line.
    operator_keys: dict[str, str] = {}


def _operator_hashes(request: Request) -> dict[str, str]:
    """Read once, on first use: settings are never read at import."""
    hashes: dict[str, str] | None = getattr(request.app.state, "operator_key_hashes", None)
    if hashes is None:
        hashes = {digest.lower(): name for name, digest in OperatorSettings().operator_keys.items()}
        request.app.state.operator_key_hashes = hashes
    return hashes


async def operator_name(request: Request,
                        key: Annotated[str | None, Security(OPERATOR_KEY)] = None) -> str:
    """The operator whose key was presented; 401 otherwise."""
    if not key:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "an operator key is required in the "
                            "X-Operator-Key header", headers={"WWW-Authenticate": "ApiKey"})
    presented = hash_secret(key)
    for digest, name in _operator_hashes(request).items():
        if hmac.compare_digest(digest, presented):
            return name
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown operator key",
                        headers={"WWW-Authenticate": "ApiKey"})


OperatorDep = Annotated[str, Depends(operator_name)]


class Assignment(BaseModel):
    agency: str = Field(min_length=1, max_length=64, description="Agency code from the directory")
    priority: Priority | None = None
    note: str | None = Field(default=None, max_length=1000)


class AssignmentAccepted(BaseModel):
    complaint_id: str
    agency: str
    command_id: uuid.UUID


async def _check(state: IntakeState, complaint_id: str, agency: str) -> None:
    directory = state.settings.directory()
    holder = directory.get(agency)
    if holder is None or holder.code == directory.regency.center:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"{agency!r} is not an agency that can hold a case")
    if await state.pool.fetchval("SELECT 1 FROM cases WHERE complaint_id = $1",
                                 complaint_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no case {complaint_id!r}")


@router.post("/cases/{complaint_id}/assignment", status_code=status.HTTP_202_ACCEPTED,
             response_model=AssignmentAccepted,
             responses={401: {"description": "No operator key, or an unknown one"},
                        404: {"description": "No such case"},
                        422: {"description": "Not an agency that can hold a case"}})
async def assign_case(complaint_id: str, body: Assignment, state: StateDep,
                      operator: OperatorDep,
                      idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
                      ) -> AssignmentAccepted:
    """Give a case to an agency; answers once the command is durably in Kafka."""
    await _check(state, complaint_id, body.agency)
    # A retried request with the same Idempotency-Key is the same command: the router applies
    # an event id once.
    command_id = (derived_id("operator-assignment", complaint_id, operator, idempotency_key)
                  if idempotency_key else uuid.uuid4())
    command = AssignComplaint(event_id=command_id, tenant=state.settings.tenant,
                              complaint_id=complaint_id, agency=body.agency, operator=operator,
                              priority=body.priority, note=body.note)
    await state.producer.send(COMMANDS.name, command)
    return AssignmentAccepted(complaint_id=complaint_id, agency=body.agency, command_id=command_id)
