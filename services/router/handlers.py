"""The router's consumers: route a new case, apply an operator's command, redirect a case,
follow a case's edits and withdrawal.

A batch of inputs is handled in one transaction: the decisions, the cases' new states and
the events they cause are committed with one idempotency record per input event, then the
batch loop sends the events and marks the records sent (services/router/outbox.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

import asyncpg
from prometheus_client import Counter

from schemas.directory import Directory
from schemas.enums import Disposition, ResponseKind
from schemas.envelope import Event
from schemas.intake import (
    ComplaintEdited,
    ComplaintEnriched,
    ComplaintReceived,
    ComplaintWithdrawn,
)
from schemas.responses import AgencyResponded
from schemas.routing import AssignComplaint, ComplaintLinked, Decision
from services.router import store
from services.router.amendments import amend
from services.router.casestate import CaseState
from services.router.casework import Change, assign_by_operator, redirect
from services.router.decide import decide, judge
from services.router.duplicates import Candidate, content_words, find_parent
from services.router.outbox import Outbox
from services.router.rules import RuleSet
from services.runtime.producer import Outgoing

log = logging.getLogger(__name__)
DECISIONS = Counter("router_decisions_total", "Routing events emitted", ["agency", "outcome"])
INPUTS = Counter("router_inputs_total", "Inputs handled by the router", ["kind", "outcome"])
NOTHING: Sequence[Outgoing] = ()



class Batch:
    """What one batch transaction knows: cases as changed so far, and what to write."""

    def __init__(self, conn: asyncpg.Connection, cases: dict[str, CaseState],
                 earliest: datetime) -> None:
        self.conn = conn
        self.earliest = earliest  # of the batch's inputs: how far back near-duplicates go
        self.cases = cases
        self.changed: dict[str, str | None] = {}  # complaint_id -> content (first routing)
        self.deferred: list[Event] = []
        self.open_by_agency: dict[tuple[str, str], list[Candidate]] = {}
        self.contents: dict[str, str] = {}

    def save(self, state: CaseState, content: str | None = None) -> None:
        self.cases[state.complaint_id] = state
        if content is not None:
            self.contents[state.complaint_id] = content
        self.changed.setdefault(state.complaint_id, content)


Decider = Callable[[Batch, Event], Awaitable[tuple[list[Outgoing], str]]]


class RouterHandlers:
    """The three agents' batch bodies; `pool` and `outbox` are set when the worker starts."""

    def __init__(self, rules: RuleSet, directory: Directory, scope: str) -> None:
        self.rules = rules
        self.directory = directory
        self.scope = scope
        self.pool: asyncpg.Pool | None = None
        self.outbox: Outbox | None = None

    async def _batch(self, events: Sequence[Event], kind: str, decider: Decider,
                     prepare: Callable[[Batch, list[Event]], Awaitable[None]] | None = None
                     ) -> Sequence[Outgoing]:
        """Decide and record a batch in one transaction, under its cases' locks; inputs
        handled before give nothing, or what Kafka lacks of an interrupted send."""
        assert self.pool is not None and self.outbox is not None
        if not events:
            return NOTHING
        fresh: list[Event] = []
        handled: list[tuple[Event, list[Outgoing], str]] = []
        async with self.pool.acquire() as conn, conn.transaction():
            await store.lock_cases(conn, self.scope, (e.complaint_id for e in events))
            prior = await store.find_handled(conn, self.scope, [e.event_id for e in events])
            seen = set(prior)
            for event in events:
                if event.event_id not in seen:  # also drops a repeat within the batch
                    seen.add(event.event_id)
                    fresh.append(event)
            if fresh:
                batch = Batch(conn, await store.load_cases(
                    conn, self.scope, (e.complaint_id for e in fresh)),
                    min(e.occurred_at for e in fresh))
                if prepare is not None:
                    await prepare(batch, fresh)
                for event in fresh:
                    outputs, note = await decider(batch, event)
                    handled.append((event, outputs, note))
                await store.defer(conn, self.scope, batch.deferred)
                await store.save_cases(conn, self.scope, [
                    (batch.cases[c], content) for c, content in batch.changed.items()])
                await store.record_handled(conn, self.scope, handled)
        outgoing: list[Outgoing] = []
        interrupted = [(p.outputs, p.handled_at) for p in prior.values() if not p.sent]
        if prior:
            INPUTS.labels(kind=kind, outcome="redelivered").inc(len(prior))
            log.info("%s: %d of %d inputs redelivered, already handled (%d to resume)", kind,
                     len(prior), len(events), len(interrupted))
        if interrupted:
            outgoing += await self.outbox.missing(interrupted)
        for event, outputs, note in handled:
            INPUTS.labels(kind=kind, outcome="handled" if outputs else "no_change").inc()
            if note:
                log.info("complaint_id=%s %s: %s", event.complaint_id, kind, note)
            outgoing += outputs
            for _, out in outputs:
                if isinstance(out, Decision):
                    DECISIONS.labels(agency=out.agency, outcome=out.type).inc()
        return outgoing

    async def mark_sent(self, events: Sequence[Event]) -> None:
        """after_sent: every output of the batch is durable in Kafka; one statement."""
        assert self.pool is not None
        await store.mark_sent(self.pool, self.scope, [e.event_id for e in events])

    async def route_complaints(self, events: Sequence[Event]) -> Sequence[Outgoing]:
        """New cases: classify, link to an open near-duplicate, then apply what was waiting."""
        waiting: dict[str, list[Event]] = {}

        async def prepare(batch: Batch, fresh: list[Event]) -> None:
            waiting.update(await store.take_deferred(batch.conn, self.scope,
                                                     (e.complaint_id for e in fresh)))

        async def decider(batch: Batch, event: Event) -> tuple[list[Outgoing], str]:
            assert isinstance(event, ComplaintReceived)
            if event.complaint_id in batch.cases:
                return [], "case already routed under another event id"
            text, verdict = judge(event.text, event.channel, self.rules, event.kecamatan,
                                  getattr(event, "category_hint", None))
            content = content_words(text, self.rules)
            parent = None
            if verdict.agency is not None and verdict.disposition is Disposition.ASSIGNED:
                candidates = await self._open_cases(batch, event, verdict.agency)
                parent = find_parent(content, verdict.kecamatan, event.occurred_at,
                                     candidates, self.rules)
            routing = decide(event, verdict, text, self.rules, parent)
            state, outputs = routing.state, list(routing.outgoing)
            for deferred in waiting.pop(event.complaint_id, ()):
                change = self._apply(state, deferred)
                state, outputs = change.state, outputs + change.outgoing
            batch.save(state, content)
            linked = any(isinstance(e, ComplaintLinked) for _, e in outputs)
            return outputs, verdict.reason + (" (linked to an open case)" if linked else "")

        return await self._batch(events, "complaint", decider, prepare)

    async def _open_cases(self, batch: Batch, event: ComplaintReceived, agency: str
                          ) -> list[Candidate]:
        """The agency's open cases: stored ones (one query per agency and batch), then the
        ones this batch routed before `event`, newest first."""
        window = timedelta(hours=self.rules.source.duplicates.window_hours)
        key = (event.tenant, agency)
        if key not in batch.open_by_agency:
            batch.open_by_agency[key] = await store.open_cases(
                batch.conn, self.scope, event.tenant, agency, batch.earliest - window)
        here = [Candidate(s.complaint_id, s.ticket, batch.contents[c], s.kecamatan,
                          s.received_at)
                for c, s in batch.cases.items()
                if c in batch.contents and s.tenant == event.tenant and s.agency == agency
                and s.disposition is Disposition.ASSIGNED and s.parent_complaint_id is None]
        return sorted(here, key=lambda c: c.received_at, reverse=True) + [
            c for c in batch.open_by_agency[key] if c.complaint_id not in batch.contents]

    def _apply(self, state: CaseState, event: Event) -> Change:
        if isinstance(event, AssignComplaint):
            return assign_by_operator(state, event, self.rules, self.directory)
        if isinstance(event, ComplaintEdited | ComplaintEnriched | ComplaintWithdrawn):
            return amend(state, event, self.rules, self.directory)
        assert isinstance(event, AgencyResponded)
        return redirect(state, event, self.rules, self.directory)

    async def _change_cases(self, events: Sequence[Event], kind: str) -> Sequence[Outgoing]:
        async def decider(batch: Batch, event: Event) -> tuple[list[Outgoing], str]:
            state = batch.cases.get(event.complaint_id)
            if state is None:  # its complaint is still on its way on another topic
                batch.deferred.append(event)
                return [], "deferred until the complaint is routed"
            change = self._apply(state, event)
            if change.outgoing or change.state != state:
                batch.save(change.state)
            return change.outgoing, change.note

        return await self._batch(events, kind, decider)

    async def apply_operator_commands(self, events: Sequence[Event]) -> Sequence[Outgoing]:
        """Operators' AssignComplaint: completes triage or reassigns the case."""
        assert all(isinstance(e, AssignComplaint) for e in events)
        return await self._change_cases(events, "command")

    async def redirect_cases(self, events: Sequence[Event]) -> Sequence[Outgoing]:
        """Agencies' answers; only "not ours" moves a case, other answers are not ours."""
        return await self._change_cases(
            [e for e in events if isinstance(e, AgencyResponded)
             and e.kind is ResponseKind.NOT_OURS], "response")

    async def amend_cases(self, events: Sequence[Event]) -> Sequence[Outgoing]:
        """complaints.updated: a triaged case is routed again, a holder is told (amendments)."""
        return await self._change_cases(events, "amendment")
