"""The citizen's verdict from the status page: solved or not, with the code from our question.

The ticket alone is guessable (numbers are sequential), so the question the citizen received
carries a short code derived from the case and round; without it a verdict is refused.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel, ConfigDict, Field

from schemas.envelope import utcnow
from services.intake.state import StateDep
from services.intake.status import verdict_store
from services.intake.status.verdicts import Verdict

router = APIRouter(prefix="/v1", tags=["complaints"])
TICKET = r"^[A-Za-z0-9-]+$"


class VerdictForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=8, max_length=8, pattern=r"^[0-9a-f]+$")
    solved: bool
    rating: int | None = Field(default=None, ge=1, le=5)
    reason: str = Field(default="", max_length=1000)


class VerdictTaken(BaseModel):
    ticket: str
    outcome: Literal["accepted", "answered"]


@router.post("/complaints/{ticket}/verdict", status_code=status.HTTP_202_ACCEPTED,
             response_model=VerdictTaken,
             responses={403: {"description": "wrong code, or the question is closed"}})
async def post_verdict(form: VerdictForm, state: StateDep,
                       ticket: str = Path(max_length=32, pattern=TICKET)) -> VerdictTaken:
    """Record whether the resolution solved the complaint; a repeat answers 'answered'."""
    outcome = await verdict_store.answer_on_page(
        state, ticket, form.code, Verdict(form.solved, form.rating, form.reason), utcnow())
    if outcome == "refused":
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "code: does not match an open question about this ticket")
    return VerdictTaken(ticket=ticket, outcome=outcome)  # type: ignore[arg-type]
