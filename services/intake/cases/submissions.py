"""accept_submission: adapters that cannot call HTTP write raw submissions to a topic.

A record is validated exactly as POST /v1/complaints validates its body; one that cannot be
accepted goes to complaints.submissions.dlq with the reason, and the next is read.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence

import orjson
from aiokafka import ConsumerRecord
from pydantic import ValidationError

from schemas.envelope import utcnow
from schemas.intake import ComplaintSubmission
from schemas.topics import SUBMISSIONS
from services.intake.cases.accept import accept
from services.intake.cases.masking import redact_record
from services.intake.channels.inbound import first_error
from services.intake.consumer import RecordConsumer
from services.intake.state import IntakeState
from services.runtime.deadletter import dead_letter_record
from services.runtime.producer import RawRecord

log = logging.getLogger(__name__)


class Refused(ValueError):
    """The record is not an acceptable submission; the message says why."""


def parse_submission(value: bytes | None, max_bytes: int) -> ComplaintSubmission:
    """The record's submission, or Refused with a reason an adapter's operator can act on."""
    if value is None:
        raise Refused("empty record value (tombstone)")
    if len(value) > max_bytes:
        raise Refused(f"record of {len(value)} bytes is over the {max_bytes}-byte limit")
    try:
        data = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise Refused(f"not JSON: {exc}") from None
    try:
        return ComplaintSubmission.model_validate(data)
    except ValidationError as exc:
        raise Refused(f"field {first_error(exc)}") from None


def consumer(state: IntakeState) -> RecordConsumer:
    """complaints.submissions on the batch loop: a batch's submissions are accepted at once,
    so they share group commits like concurrent requests do."""
    async def accept_submissions(records: Sequence[ConsumerRecord]) -> None:
        submissions: list[ComplaintSubmission] = []
        dead: list[RawRecord] = []
        for record in records:
            try:
                submissions.append(parse_submission(record.value, state.settings.max_body_bytes))
            except Refused as exc:
                log.warning("dead-lettering %s@%s: %s", SUBMISSIONS.name, record.offset, exc)
                # Submissions carry contact data: the dead letter keeps a redacted copy.
                parked = dataclasses.replace(record, value=redact_record(record.value))
                dead.append(dead_letter_record(SUBMISSIONS.name, parked, str(exc), "intake"))
        if dead:
            await state.producer.send_many((), dead)
        now = utcnow()
        await asyncio.gather(*(accept(state, s, now) for s in submissions))

    return RecordConsumer(state.settings, state.settings.group("intake-submissions"),
                          [SUBMISSIONS.name], accept_submissions)
