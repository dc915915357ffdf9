"""A case changed after it was routed: edited, completed by a deferred look-up, or withdrawn.

Pure, as casework.py: an edited (or completed) case still in triage is routed again on its new
text; a case an agency holds keeps its holder, and the agency is told on its own assignment
topic (the edit with the router's masking, the completion, e.g. the stored media it can fetch,
or the withdrawal), since that topic is all an agency reads. Suppressed and external cases
only keep the new text; a completion that leaves the text as it was routes nothing again.
"""

from __future__ import annotations

from dataclasses import replace

from schemas.directory import Directory
from schemas.enums import Disposition
from schemas.intake import ComplaintEdited, ComplaintEnriched, ComplaintWithdrawn
from schemas.topics import agency_topic
from services.router.casestate import CaseState, publish
from services.router.casework import Change, _to
from services.router.decide import judge
from services.router.rules import RuleSet

Amendment = ComplaintEdited | ComplaintEnriched | ComplaintWithdrawn


def amend(state: CaseState, event: Amendment, rules: RuleSet, directory: Directory) -> Change:
    """What one amendment does to a routed case."""
    if isinstance(event, ComplaintWithdrawn):
        return withdrawn(state, event)
    return reroute_edited(state, event, rules, directory)


def reroute_edited(state: CaseState, event: ComplaintEdited | ComplaintEnriched,
                   rules: RuleSet, directory: Directory) -> Change:
    """Route a triaged case again on its edited text; a held case's agency sees the edit."""
    text, verdict = judge(event.text, event.channel, rules, state.kecamatan, state.category)
    if state.disposition is Disposition.ASSIGNED:
        # The agency reads the router's masking of the new text, under an id of the router's.
        told = event.model_copy(update={**event.caused("agency-told"), "text": text})
        return Change(replace(state, text=text), [(agency_topic(state.agency), told)],
                      f"{state.agency} told of the {_what(event)}")
    if isinstance(event, ComplaintEnriched) and text == state.text:
        # A completion that changed no text (a WhatsApp media stored): nothing to decide anew.
        return Change(state, [], "text unchanged by the deferred look-up: not routed again")
    if state.disposition is not Disposition.TRIAGE:
        return Change(replace(state, text=text), [], f"{state.disposition} case: text kept")
    edited = replace(state, text=text, kecamatan=verdict.kecamatan or state.kecamatan,
                     category=verdict.category or state.category, flags=verdict.flags,
                     priority=verdict.priority)
    if verdict.disposition is not Disposition.ASSIGNED or verdict.agency is None:
        return Change(edited, [], "still in triage after the edit: " + verdict.reason)
    decision = _to(edited, event, verdict.agency, rules, directory, state.agency_chain,
                   "router", f"routed again after the {_what(event)}: " + verdict.reason,
                   decided_by=verdict.decided_by or "rules")
    return Change(edited.holding(decision), publish(decision))


def withdrawn(state: CaseState, event: ComplaintWithdrawn) -> Change:
    """The holding agency is told; the triage queue and the clocks learn it from the event."""
    if state.disposition is not Disposition.ASSIGNED:
        return Change(state, [], f"withdrawn while {state.disposition}")
    told = event.model_copy(update=event.caused("agency-told"))
    return Change(state, [(agency_topic(state.agency), told)],
                  f"{state.agency} told of the withdrawal")


def _what(event: ComplaintEdited | ComplaintEnriched) -> str:
    if isinstance(event, ComplaintEdited):
        return "citizen's edit"
    return "stored media" if event.lookup == "whatsapp_media" else "deferred look-up"
