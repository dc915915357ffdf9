"""What the router remembers about a case between events: holder, chain, and what agencies see."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from schemas.enums import Disposition, Flag, Priority
from schemas.routing import (
    ComplaintAssigned,
    ComplaintExternal,
    ComplaintSuppressed,
    ComplaintTriaged,
    Decision,
)
from schemas.topics import ASSIGNED, EXTERNAL, SUPPRESSED, TRIAGE, agency_topic
from services.runtime.producer import Outgoing


@dataclass(frozen=True)
class CaseState:
    """The router's view of one case; persisted by store.py, changed only by pure functions."""

    complaint_id: str
    tenant: str
    ticket: str
    text: str  # masked text, as routed
    kecamatan: str | None
    category: str | None
    agency: str  # current holder; the center while in triage or suppressed
    disposition: Disposition
    agency_chain: tuple[str, ...]  # agencies that held the case before, oldest first
    priority: Priority
    flags: tuple[Flag, ...]
    rules_version: str
    received_at: datetime
    parent_complaint_id: str | None = None

    def decision_fields(self, rules_version: str) -> dict[str, Any]:
        """The Decision fields every routing event about this case repeats."""
        return {"ticket": self.ticket, "kecamatan": self.kecamatan, "category": self.category,
                "flags": self.flags, "priority": self.priority, "text": self.text,
                "rules_version": rules_version}

    def holding(self, decision: Decision) -> CaseState:
        """The state after `decision` took effect."""
        chain = getattr(decision, "agency_chain", self.agency_chain)
        return replace(self, agency=decision.agency, disposition=decision.disposition,
                       agency_chain=tuple(chain), priority=decision.priority,
                       flags=decision.flags, rules_version=decision.rules_version)


def publish(decision: Decision) -> list[Outgoing]:
    """The topics a decision goes to: its lifecycle topic, and an assignment also the agency's."""
    if isinstance(decision, ComplaintAssigned):
        return [(ASSIGNED.name, decision), (agency_topic(decision.agency), decision)]
    if isinstance(decision, ComplaintExternal):
        return [(EXTERNAL.name, decision)]
    if isinstance(decision, ComplaintSuppressed):
        return [(SUPPRESSED.name, decision)]
    assert isinstance(decision, ComplaintTriaged)
    return [(TRIAGE.name, decision)]
