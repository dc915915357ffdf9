"""accept_submission: adapters that cannot call HTTP write raw submissions to a topic.

A record is validated exactly as POST /v1/complaints validates its body; one that cannot be
accepted goes to complaints.submissions.dlq with the reason, and the next is read.
"""

from __future__ import annotations

import dataclasses
import logging

import orjson
from aiokafka import ConsumerRecord
from pydantic import ValidationError

from schemas.envelope import utcnow
from schemas.intake import ComplaintSubmission
from schemas.topics import SUBMISSIONS
from services.intake.cases.accept import accept
from services.intake.cases.masking import redact_record
from services.intake.channels.inbound import first_error
from services.intake.consumer import RecordHandler
from services.intake.state import IntakeState
from services.runtime.deadletter import send_to_dead_letter

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


def handler(state: IntakeState) -> RecordHandler:
    async def accept_submission(record: ConsumerRecord) -> None:
        try:
            submission = parse_submission(record.value, state.settings.max_body_bytes)
        except Refused as exc:
            log.warning("dead-lettering %s@%s: %s", SUBMISSIONS.name, record.offset, exc)
            # Submissions carry contact data: the dead letter keeps a redacted copy.
            parked = dataclasses.replace(record, value=redact_record(record.value))
            await send_to_dead_letter(state.producer, SUBMISSIONS.name, parked, str(exc),
                                      "intake")
            return
        await accept(state, submission, utcnow())

    return accept_submission
