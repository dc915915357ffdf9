"""Events of the citizen's verdict on a resolution: asked, given, and what it does to the case.

After an agency resolves a case, the citizen is asked whether it was solved. "Solved" or silence
until the window ends closes it; "not solved" re-opens it with the same agency as a new round
with its own clock. Intake raises all three, since only intake hears the citizen.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas.envelope import Event


class CitizenVerdict(Event):
    """The citizen said whether the agency's resolution solved their complaint."""

    type: Literal["CitizenVerdict"] = "CitizenVerdict"
    agency: str = Field(max_length=64)  # the agency whose resolution is judged
    round: int = Field(ge=1)  # 1 for the first resolution, 2 after one re-opening, ...
    solved: bool
    rating: int | None = Field(default=None, ge=1, le=5)
    reason: str = Field(default="", max_length=1000)  # masked, as the citizen wrote it
    via: Literal["reply", "status_page"]


class ComplaintReopened(Event):
    """Not solved, says the citizen: the same agency holds the case again, on a new clock."""

    type: Literal["ComplaintReopened"] = "ComplaintReopened"
    agency: str = Field(max_length=64)
    round: int = Field(ge=2)
    reason: str = Field(default="", max_length=1000)


class ComplaintClosed(Event):
    """The case is finished: the citizen confirmed the resolution, or did not answer in time."""

    type: Literal["ComplaintClosed"] = "ComplaintClosed"
    agency: str = Field(max_length=64)
    round: int = Field(ge=1)
    reason: Literal["confirmed", "no_reply"]
