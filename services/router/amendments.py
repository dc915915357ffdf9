"""An edited (or completed) case still in triage is routed again on its new text.

Kept apart from handlers.py (being reworked): `reroute_edited` is the pure decision,
`reroute_case` the consumer body for complaints.updated, run with RouterHandlers' once-only
bookkeeping. A case an agency already holds keeps its holder: the agency sees the edit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import asyncpg

from schemas.directory import Directory
from schemas.enums import Disposition
from schemas.envelope import Event
from schemas.intake import ComplaintEdited, ComplaintEnriched
from services.router import store
from services.router.casestate import CaseState, publish
from services.router.casework import Change, _to
from services.router.decide import judge
from services.router.handlers import NOTHING, RouterHandlers
from services.router.rules import RuleSet
from services.runtime.producer import Outgoing


def reroute_edited(state: CaseState, event: ComplaintEdited | ComplaintEnriched,
                   rules: RuleSet, directory: Directory) -> Change:
    """Route a triaged case again on its edited text; any other case only keeps the text."""
    if state.disposition is not Disposition.TRIAGE:
        return Change(state, [], f"{state.disposition} case: the holder sees the edit")
    text, verdict = judge(event.text, event.channel, rules, state.kecamatan, state.category)
    edited = replace(state, text=text, kecamatan=verdict.kecamatan or state.kecamatan,
                     category=verdict.category or state.category, flags=verdict.flags,
                     priority=verdict.priority)
    if verdict.disposition is not Disposition.ASSIGNED or verdict.agency is None:
        return Change(edited, [], "still in triage after the edit: " + verdict.reason)
    decision = _to(edited, event, verdict.agency, rules, directory, state.agency_chain,
                   "router", "routed again after the citizen's edit: " + verdict.reason,
                   decided_by=verdict.decided_by or "rules")
    return Change(edited.holding(decision), publish(decision))


async def reroute_case(handlers: RouterHandlers, event: Event) -> Sequence[Outgoing]:
    """Consumer body for complaints.updated (withdrawals are the SLA's and the notifier's)."""
    if not isinstance(event, ComplaintEdited | ComplaintEnriched):
        return NOTHING

    async def decider(conn: asyncpg.Connection) -> tuple[list[Outgoing], str]:
        state = await store.load_case(conn, handlers.scope, event.complaint_id)
        if state is None:
            return [], "not routed yet"  # the case's own text is routed when it arrives
        change = reroute_edited(state, event, handlers.rules, handlers.directory)
        await store.save_case(conn, handlers.scope, change.state)
        return change.outgoing, change.note

    return await handlers._once(event, "amendment", decider)
