"""keep_case_status: the lifecycle topics update the citizen's view and raise citizen notices.

Each event is applied once (by event id) in one transaction with the notices it causes, which
go through the outbox; replaying a topic changes nothing and notifies nobody twice.
"""

from __future__ import annotations

import logging

from aiokafka import ConsumerRecord

from schemas.codec import DecodeError, decode
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
from services.intake.cases.registry import contact_of
from services.intake.consumer import RecordHandler
from services.intake.state import IntakeState
from services.intake.status import store as status_store
from services.intake.status.notices import answer_notice, notifies
from services.intake.status.projection import change_for
from services.runtime.deadletter import send_to_dead_letter

log = logging.getLogger(__name__)
TOPICS: tuple[TopicSpec, ...] = (RECEIVED, ASSIGNED, TRIAGE, SUPPRESSED, EXTERNAL, REDIRECTED,
                                 RESPONSES, SLA, UPDATED)


def handler(state: IntakeState) -> RecordHandler:
    by_topic = {state.settings.topic(spec.name): spec for spec in TOPICS}

    async def keep_case_status(record: ConsumerRecord) -> None:
        spec = by_topic[record.topic]
        try:
            event = decode(record.value, spec.carries)
        except DecodeError as exc:
            log.warning("dead-lettering %s@%s: %s", spec.name, record.offset, exc)
            await send_to_dead_letter(state.producer, spec.name, record, str(exc), "intake")
            return
        change = change_for(event)
        if change is None or await status_store.applied(state.pool, event):
            return  # e.g. the ComplaintReceived of a case this intake opened and seeded
        notify = False
        async with state.pool.acquire() as conn, conn.transaction():
            if not await status_store.mark_applied(conn, event):
                return  # another intake process applied it meanwhile
            await status_store.apply(conn, event, change)
            found = await contact_of(conn, event.complaint_id) if notifies(event) else None
            notice = answer_notice(event, *found) if found else None
            if notice is not None:
                await outbox.store(conn, [(NOTIFY_REQUESTS.name, notice)])
                notify = True
        if notify:
            await outbox.publish_case(state.pool, state.producer, event.complaint_id)

    return keep_case_status
