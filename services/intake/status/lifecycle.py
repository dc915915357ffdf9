"""keep_case_status: the lifecycle topics update the citizen's view and raise citizen notices.

A batch of events is applied in one transaction, once per event id, with the notices it
causes, stored in the outbox and sent by the batch loop; replaying a topic changes nothing
and notifies nobody twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from schemas.envelope import Event
from schemas.responses import ComplaintResolved
from schemas.topics import (
    ASSIGNED,
    EXTERNAL,
    NOTIFY_REQUESTS,
    RECEIVED,
    REDIRECTED,
    RESPONSES,
    SLA,
    SUPPRESSED,
    TRIAGE,
    UPDATED,
    TopicSpec,
)
from services.intake.cases import outbox
from services.intake.cases.registry import contacts_of
from services.intake.consumer import RecordConsumer
from services.intake.state import IntakeState
from services.intake.status import store as status_store
from services.intake.status import verdict_store
from services.intake.status.notices import answer_notice, notifies
from services.intake.status.projection import change_for
from services.runtime.batch import BatchStep
from services.runtime.producer import Outgoing

log = logging.getLogger(__name__)
TOPICS: tuple[TopicSpec, ...] = (RECEIVED, ASSIGNED, TRIAGE, SUPPRESSED, EXTERNAL, REDIRECTED,
                                 RESPONSES, SLA, UPDATED)


class CaseStatusKeeper:
    """keep_case_status for a batch; the notices it returns are marked sent once durable."""

    def __init__(self, state: IntakeState) -> None:
        self.state = state
        self._unsent: list[object] = []  # the outbox rows of the batch in flight

    async def __call__(self, events: Sequence[Event]) -> Sequence[Outgoing]:
        changes = [(e, c) for e in events if (c := change_for(e)) is not None]
        if not changes:
            return ()
        notices: list[Outgoing] = []
        async with self.state.pool.acquire() as conn, conn.transaction():
            # One idempotency row per event; the ones applied before (e.g. the
            # ComplaintReceived of a case this intake opened and seeded) are left out.
            fresh = await status_store.mark_applied_many(conn, [e for e, _ in changes])
            changes = [(e, c) for e, c in changes if e.event_id in fresh]
            await status_store.apply_many(conn, changes)
            asking = [e for e, _ in changes if notifies(e)]
            found = await contacts_of(conn, [e.complaint_id for e in asking]) if asking else {}
            for event in asking:
                notice = (answer_notice(event, *found[event.complaint_id])
                          if event.complaint_id in found else None)
                if notice is not None:
                    notices.append((NOTIFY_REQUESTS.name, notice))
            for event, _ in changes:
                if isinstance(event, ComplaintResolved):  # ask the citizen: solved or not?
                    notices += await verdict_store.on_resolved(conn, self.state, event)
            await outbox.store(conn, notices)
        self._unsent = [e.event_id for _, e in notices]
        return notices

    async def sent(self, events: Sequence[Event]) -> None:
        unsent, self._unsent = self._unsent, []
        await outbox.mark_published(self.state.pool, unsent)


def consumer(state: IntakeState) -> RecordConsumer:
    """The lifecycle topics' consumer group, on the batch loop."""
    by_topic = {state.settings.topic(spec.name): spec for spec in TOPICS}
    keeper = CaseStatusKeeper(state)
    step = BatchStep("keep_case_status", "intake", lambda r: by_topic[r.topic], keeper,
                     state.producer, keeper.sent)
    return RecordConsumer(state.settings, state.settings.group("intake-status"),
                          [t.name for t in TOPICS], step)
