"""Events and commands of routing: who holds a case, and why."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas.enums import Disposition, Flag, Priority
from schemas.envelope import Event


class Decision(Event):
    """Fields every routing outcome records, so a decision can be audited and replayed."""

    type: str
    ticket: str = Field(max_length=32)
    agency: str = Field(max_length=64)
    category: str | None = Field(default=None, max_length=64)
    kecamatan: str | None = Field(default=None, max_length=64)
    flags: tuple[Flag, ...] = ()
    priority: Priority = Priority.NORMAL
    confidence: float = Field(default=1.0, ge=0, le=1)
    rules_version: str = Field(max_length=64)
    disposition: Disposition
    text: str = Field(default="", max_length=10_000)  # masked text, as received
    reason: str | None = Field(default=None, max_length=1000)
    # Which part made the decision: the router's "rules", its learned "model", both
    # ("rules+model": the model broke the rules' tie), an "operator", or a "redirect".
    # None on events from before it was recorded.
    decided_by: Literal["rules", "model", "rules+model", "operator", "redirect"] | None = None


class ComplaintAssigned(Decision):
    """An agency holds the case; its response clock starts. Also carried on the agency's topic."""

    type: Literal["ComplaintAssigned"] = "ComplaintAssigned"
    disposition: Disposition = Disposition.ASSIGNED
    assigned_by: Literal["router", "operator", "redirect"] = "router"
    agency_chain: tuple[str, ...] = ()  # agencies that held the case before, oldest first
    parent_complaint_id: str | None = Field(default=None, max_length=64)  # a near-duplicate's


class ComplaintTriaged(Decision):
    """The router is unsure: the center's operators decide."""

    type: Literal["ComplaintTriaged"] = "ComplaintTriaged"
    disposition: Disposition = Disposition.TRIAGE


class ComplaintSuppressed(Decision):
    """Recorded and visible, but not answered (political, spam, abuse, not a complaint)."""

    type: Literal["ComplaintSuppressed"] = "ComplaintSuppressed"
    disposition: Disposition = Disposition.NO_RESPONSE


class ComplaintExternal(Decision):
    """Outside regency authority: redirected to an institution with a message for the citizen."""

    type: Literal["ComplaintExternal"] = "ComplaintExternal"
    disposition: Disposition = Disposition.EXTERNAL
    citizen_message: str = Field(default="", max_length=2000)


class ComplaintRedirected(Event):
    """An agency said "not ours": the case moves to another agency or back to triage."""

    type: Literal["ComplaintRedirected"] = "ComplaintRedirected"
    ticket: str = Field(max_length=32)
    from_agency: str = Field(max_length=64)
    to_agency: str | None = Field(default=None, max_length=64)  # None: back to triage
    reason: str = Field(min_length=1, max_length=1000)
    agency_chain: tuple[str, ...] = ()


class ComplaintLinked(Event):
    """A near-duplicate report was linked to a parent case about the same incident."""

    type: Literal["ComplaintLinked"] = "ComplaintLinked"
    parent_complaint_id: str = Field(max_length=64)
    similarity: float = Field(ge=0, le=1)
    ticket: str | None = Field(default=None, max_length=32)  # the reporter keeps this ticket
    parent_ticket: str | None = Field(default=None, max_length=32)
    agency: str | None = Field(default=None, max_length=64)  # who holds the parent case


class AssignComplaint(Event):
    """Command from an operator: give this case to an agency (completes triage)."""

    type: Literal["AssignComplaint"] = "AssignComplaint"
    agency: str = Field(max_length=64)
    operator: str = Field(max_length=128)
    priority: Priority | None = None
    note: str | None = Field(default=None, max_length=1000)
