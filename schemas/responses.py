"""Events of the agencies' answers to their cases."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas.enums import ResponseKind
from schemas.envelope import Event


class AgencyResponded(Event):
    """An agency answered a case: first response, progress, waiting, resolved or not ours."""

    type: Literal["AgencyResponded"] = "AgencyResponded"
    agency: str = Field(max_length=64)
    kind: ResponseKind
    message: str = Field(min_length=1, max_length=4000)
    public: bool = True  # relayed to the citizen and shown on the status page
    redirect_to: str | None = Field(default=None, max_length=64)  # with kind=not_ours
    responder: str | None = Field(default=None, max_length=128)


class ComplaintResolved(Event):
    """The case is closed as resolved."""

    type: Literal["ComplaintResolved"] = "ComplaintResolved"
    agency: str = Field(max_length=64)
    summary: str = Field(default="", max_length=4000)
