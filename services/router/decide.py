"""The routing decision: a pure function from a received complaint to the events it causes."""

from __future__ import annotations

from dataclasses import dataclass, replace

from schemas.enums import Disposition, Flag
from schemas.intake import ComplaintReceived
from schemas.routing import (
    ComplaintAssigned,
    ComplaintExternal,
    ComplaintLinked,
    ComplaintSuppressed,
    ComplaintTriaged,
    Decision,
)
from schemas.topics import LINKED
from services.router.casestate import CaseState, publish
from services.router.classify import Verdict, classify
from services.router.pii import mask_personal_data
from services.router.rules import RuleSet
from services.runtime.producer import Outgoing


@dataclass(frozen=True)
class Parent:
    """An earlier open case about the same incident."""

    complaint_id: str
    ticket: str
    similarity: float


@dataclass(frozen=True)
class Routing:
    state: CaseState
    outgoing: list[Outgoing]


def judge(text: str, channel: str, rules: RuleSet, kecamatan_hint: str | None = None,
          category_hint: str | None = None) -> tuple[str, Verdict]:
    """Mask residual personal data, then classify; `tanggap route` and the router share it."""
    masked, had_pii = mask_personal_data(text)
    verdict = classify(masked, channel, rules, kecamatan_hint, category_hint)
    if had_pii:
        verdict = replace(verdict, flags=(*verdict.flags, Flag.CONTAINS_PII))
    return masked, verdict


def decision_event(event: ComplaintReceived, verdict: Verdict, rules: RuleSet, text: str,
                   parent_id: str | None = None) -> Decision:
    """The one Decision event a verdict stands for."""
    common = {**event.caused("routed"), "ticket": event.ticket, "kecamatan": verdict.kecamatan,
              "category": verdict.category, "flags": verdict.flags, "priority": verdict.priority,
              "confidence": verdict.confidence, "rules_version": rules.version, "text": text,
              "reason": verdict.reason, "decided_by": verdict.decided_by}
    if verdict.disposition is Disposition.ASSIGNED:
        assert verdict.agency is not None
        return ComplaintAssigned(**common, agency=verdict.agency, parent_complaint_id=parent_id)
    if verdict.disposition is Disposition.EXTERNAL:
        assert verdict.agency is not None
        return ComplaintExternal(**common, agency=verdict.agency,
                                 citizen_message=rules.source.external_messages[verdict.agency])
    if verdict.disposition is Disposition.NO_RESPONSE:
        return ComplaintSuppressed(**common, agency=rules.center)
    return ComplaintTriaged(**common, agency=rules.center)


def decide(event: ComplaintReceived, verdict: Verdict, text: str, rules: RuleSet,
           parent: Parent | None = None) -> Routing:
    """Events for a new case: its decision, and a link when it repeats an open case."""
    decision = decision_event(event, verdict, rules, text,
                              parent.complaint_id if parent else None)
    outgoing = publish(decision)
    if parent is not None:
        linked = ComplaintLinked(**event.caused("linked"), parent_complaint_id=parent.complaint_id,
                                 similarity=round(parent.similarity, 3), ticket=event.ticket,
                                 parent_ticket=parent.ticket, agency=decision.agency)
        outgoing.append((LINKED.name, linked))
    state = CaseState(
        complaint_id=event.complaint_id, tenant=event.tenant, ticket=event.ticket, text=text,
        kecamatan=verdict.kecamatan, category=verdict.category, agency=decision.agency,
        disposition=decision.disposition, agency_chain=(), priority=decision.priority,
        flags=decision.flags, rules_version=rules.version, received_at=event.occurred_at,
        parent_complaint_id=parent.complaint_id if parent else None)
    return Routing(state, outgoing)
