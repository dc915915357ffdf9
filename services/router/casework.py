"""Pure decisions on an open case: an operator's assignment and an agency's "not ours"."""

from __future__ import annotations

from dataclasses import dataclass, replace

from schemas.directory import Directory
from schemas.enums import Disposition, ResponseKind
from schemas.envelope import Event
from schemas.responses import AgencyResponded
from schemas.routing import (
    AssignComplaint,
    ComplaintAssigned,
    ComplaintExternal,
    ComplaintRedirected,
    ComplaintTriaged,
    Decision,
)
from schemas.topics import REDIRECTED
from services.router.casestate import CaseState, publish
from services.router.rules import RuleSet
from services.runtime.producer import Outgoing

MAX_CHAIN = 5  # after this many holders the case goes back to a human, not round again


@dataclass(frozen=True)
class Change:
    """A case's new state and the events that announce it; `note` says why nothing happened."""

    state: CaseState
    outgoing: list[Outgoing]
    note: str = ""


def _to(state: CaseState, cause: Event, agency: str, rules: RuleSet, directory: Directory,
        chain: tuple[str, ...], assigned_by: str, reason: str,
        decided_by: str | None = None) -> Decision:
    fields = {**cause.caused("assigned"), **state.decision_fields(rules.version),
              "reason": reason[:1000], "decided_by": decided_by or assigned_by}
    holder = directory.get(agency)
    if holder is not None and holder.kind == "external":
        message = rules.source.external_messages.get(agency, "")
        return ComplaintExternal(**fields, agency=agency, citizen_message=message)
    if holder is None or agency == rules.center:
        return ComplaintTriaged(**fields, agency=rules.center)
    return ComplaintAssigned(**fields, agency=agency, assigned_by=assigned_by,
                             agency_chain=chain, parent_complaint_id=state.parent_complaint_id)


def assign_by_operator(state: CaseState, command: AssignComplaint, rules: RuleSet,
                       directory: Directory) -> Change:
    """An operator gives the case to an agency: completes triage, or reassigns."""
    target = directory.get(command.agency)
    if target is None or target.code == rules.center:
        return Change(state, [], f"rejected: {command.agency} cannot hold a case")
    if state.disposition is Disposition.ASSIGNED and state.agency == command.agency:
        return Change(state, [], "already held by that agency")
    # The chain lists agencies that held the case; the center's triage queue is not one.
    held = state.disposition in (Disposition.ASSIGNED, Disposition.EXTERNAL)
    chain = (*state.agency_chain, state.agency) if held else state.agency_chain
    if command.priority is not None:
        state = replace(state, priority=command.priority)
    reason = f"assigned by operator {command.operator}" + (f": {command.note}"
                                                           if command.note else "")
    decision = _to(state, command, command.agency, rules, directory, chain, "operator", reason)
    return Change(state.holding(decision), publish(decision))


def redirect(state: CaseState, response: AgencyResponded, rules: RuleSet,
             directory: Directory) -> Change:
    """An agency said "not ours": on to the agency it names, or back to triage."""
    if response.kind is not ResponseKind.NOT_OURS:
        return Change(state, [], f"{response.kind} is not a routing matter")
    if state.disposition is not Disposition.ASSIGNED or response.agency != state.agency:
        return Change(state, [], f"stale: {response.agency} does not hold the case")
    chain = (*state.agency_chain, state.agency)
    target = response.redirect_to
    known = target is not None and directory.get(target) is not None
    if not known or target == state.agency or len(chain) >= MAX_CHAIN:
        why = ("no agency named" if target is None else
               f"unknown agency {target}" if not known else
               "redirected to itself" if target == state.agency else
               f"{len(chain)} agencies already held it")
        target = None
    else:
        why = ""
    redirected = ComplaintRedirected(
        **response.caused("redirected"), ticket=state.ticket, from_agency=state.agency,
        to_agency=target, reason=response.message[:1000], agency_chain=chain)
    reason = f"redirected by {state.agency}: {response.message}" + (f" ({why})" if why else "")
    decision = _to(state, response, target or rules.center, rules, directory, chain, "redirect",
                   reason)
    holding = state.holding(decision)
    if isinstance(decision, ComplaintTriaged):  # the chain stays with the case for the SLA
        holding = replace(holding, agency_chain=chain)
    return Change(holding, [(REDIRECTED.name, redirected), *publish(decision)])
