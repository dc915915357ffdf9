"""The router's consumers: route a new case, apply an operator's command, redirect a case.

Each input is handled once per event id: the decision, the case's new state and the events
it causes are committed together with an idempotency record, then sent through the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

import asyncpg
from prometheus_client import Counter

from schemas.directory import Directory
from schemas.enums import Disposition, ResponseKind
from schemas.envelope import Event
from schemas.intake import ComplaintReceived
from schemas.responses import AgencyResponded
from schemas.routing import AssignComplaint, ComplaintLinked, Decision
from services.router import store
from services.router.casestate import CaseState
from services.router.casework import Change, assign_by_operator, redirect
from services.router.decide import decide, judge
from services.router.duplicates import content_words, find_parent
from services.router.outbox import Outbox
from services.router.rules import RuleSet
from services.runtime.producer import Outgoing

log = logging.getLogger(__name__)
DECISIONS = Counter("router_decisions_total", "Routing events emitted", ["agency", "outcome"])
INPUTS = Counter("router_inputs_total", "Inputs handled by the router", ["kind", "outcome"])
NOTHING: Sequence[Outgoing] = ()

Decider = Callable[[asyncpg.Connection], Awaitable[tuple[list[Outgoing], str]]]


class RouterHandlers:
    """The three agents' bodies; `pool` and `outbox` are set when the worker starts."""

    def __init__(self, rules: RuleSet, directory: Directory, scope: str) -> None:
        self.rules = rules
        self.directory = directory
        self.scope = scope
        self.pool: asyncpg.Pool | None = None
        self.outbox: Outbox | None = None

    async def _once(self, event: Event, kind: str, decider: Decider) -> Sequence[Outgoing]:
        """Decide and record under the case's lock, unless this event was handled before."""
        assert self.pool is not None and self.outbox is not None
        async with self.pool.acquire() as conn, conn.transaction():
            await store.lock_case(conn, self.scope, event.complaint_id)
            prior = await store.find_handled(conn, self.scope, event.event_id)
            if prior is None:
                outputs, note = await decider(conn)
                await store.record_handled(conn, self.scope, event, outputs, note)
        if prior is not None:
            INPUTS.labels(kind=kind, outcome="redelivered").inc()
            log.info("complaint_id=%s %s %s redelivered, already handled%s", event.complaint_id,
                     kind, event.event_id, "" if prior.sent else "; resuming its send")
            if prior.sent:
                return NOTHING
            outputs = prior.outputs
            await self.outbox.send(outputs, interrupted_since=prior.handled_at)
        else:
            INPUTS.labels(kind=kind, outcome="handled" if outputs else "no_change").inc()
            if note:
                log.info("complaint_id=%s %s: %s", event.complaint_id, kind, note)
            await self.outbox.send(outputs)
        if outputs:
            await store.mark_sent(self.pool, self.scope, event.event_id)
            for _, out in outputs:
                if isinstance(out, Decision):
                    DECISIONS.labels(agency=out.agency, outcome=out.type).inc()
        return NOTHING

    async def route_complaint(self, event: Event) -> Sequence[Outgoing]:
        """A new case: classify, link to an open near-duplicate, then apply what was waiting."""
        assert isinstance(event, ComplaintReceived)

        async def decider(conn: asyncpg.Connection) -> tuple[list[Outgoing], str]:
            if await store.load_case(conn, self.scope, event.complaint_id) is not None:
                return [], "case already routed under another event id"
            text, verdict = judge(event.text, event.channel, self.rules, event.kecamatan,
                                  getattr(event, "category_hint", None))
            content = content_words(text, self.rules)
            parent = None
            if verdict.agency is not None and verdict.disposition is Disposition.ASSIGNED:
                window = timedelta(hours=self.rules.source.duplicates.window_hours)
                candidates = await store.open_cases(conn, self.scope, event.tenant,
                                                    verdict.agency, event.occurred_at - window)
                parent = find_parent(content, verdict.kecamatan, event.occurred_at,
                                     candidates, self.rules)
            routing = decide(event, verdict, text, self.rules, parent)
            state, outputs = routing.state, list(routing.outgoing)
            for waiting in await store.take_deferred(conn, self.scope, event.complaint_id):
                change = self._apply(state, waiting)
                state, outputs = change.state, outputs + change.outgoing
            await store.save_case(conn, self.scope, state, content)
            linked = any(isinstance(e, ComplaintLinked) for _, e in outputs)
            return outputs, verdict.reason + (" (linked to an open case)" if linked else "")

        return await self._once(event, "complaint", decider)

    def _apply(self, state: CaseState, event: Event) -> Change:
        if isinstance(event, AssignComplaint):
            return assign_by_operator(state, event, self.rules, self.directory)
        assert isinstance(event, AgencyResponded)
        return redirect(state, event, self.rules, self.directory)

    async def _change_case(self, event: Event, kind: str) -> Sequence[Outgoing]:
        async def decider(conn: asyncpg.Connection) -> tuple[list[Outgoing], str]:
            state = await store.load_case(conn, self.scope, event.complaint_id)
            if state is None:  # its complaint is still on its way on another topic
                await store.defer(conn, self.scope, event)
                return [], "deferred until the complaint is routed"
            change = self._apply(state, event)
            if change.outgoing:
                await store.save_case(conn, self.scope, change.state)
            return change.outgoing, change.note

        return await self._once(event, kind, decider)

    async def apply_operator_command(self, event: Event) -> Sequence[Outgoing]:
        """An operator's AssignComplaint: completes triage or reassigns the case."""
        assert isinstance(event, AssignComplaint)
        return await self._change_case(event, "command")

    async def redirect_case(self, event: Event) -> Sequence[Outgoing]:
        """An agency's answer; only "not ours" moves the case, other answers are not ours."""
        if not isinstance(event, AgencyResponded) or event.kind is not ResponseKind.NOT_OURS:
            return NOTHING
        return await self._change_case(event, "response")
