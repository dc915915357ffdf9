"""The one path from a channel's submission to a case whose events are durably in Kafka."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from aiokafka.errors import KafkaTimeoutError

from schemas.intake import (
    Attachment,
    ComplaintReceived,
    ComplaintSubmission,
    FormAnswer,
    GeoPoint,
)
from services.intake.cases import outbox
from services.intake.cases.masking import mask_text
from services.intake.cases.registry import Case, CasePlan, NewCase, open_case_retrying
from services.intake.cases.reporters import identify
from services.intake.cases.tickets import ticket_year
from services.intake.channels.inbound import Deferred
from services.intake.enrichment.media import downloads_for
from services.intake.metrics import COMPLAINTS
from services.intake.state import IntakeState
from services.intake.status import verdict_store
from services.intake.status.notices import acknowledgement, contact_for

log = logging.getLogger(__name__)
MAX_TEXT = 10_000


def masked_fields(submission: ComplaintSubmission) -> dict[str, object]:
    """The submission's free text with personal data masked, wherever it appears."""
    # The reporter's own name ("Saya Rina ...") is theirs to give to the center, not to every
    # agency and topic the text travels to; for an anonymous report it would undo anonymity.
    names = (submission.reporter.name,) if submission.reporter.name else ()

    def mask(text: str | None) -> str | None:
        return mask_text(text, names)[:MAX_TEXT] if text else text

    location = submission.location
    return {
        "text": mask(submission.text),
        "location": location and GeoPoint(lat=location.lat, lon=location.lon,
                                          address=mask(location.address)),
        "attachments": tuple(Attachment(kind=a.kind, url=a.url, media_id=a.media_id,
                                        caption=mask(a.caption))
                             for a in submission.attachments),
        # Form answers can be free text too (a landmark, a phone number): masked the same way.
        "attributes": tuple(FormAnswer(code=a.code, label=a.label,
                                       values=tuple(mask(v) or v for v in a.values))
                            for a in submission.attributes),
    }


def new_case(submission: ComplaintSubmission, tenant: str, center: str,
             now: datetime, deferred: tuple[Deferred, ...] = ()) -> NewCase:
    """The case this submission opens if its message is new: masked event, contact, notices,
    and the look-ups the job does after it opened."""
    identity = identify(submission)

    def plan(complaint_id: str, ticket: str, reporter_id: str | None) -> CasePlan:
        # Masking and contact only for a new case: a redelivery needs neither.
        contact = contact_for(submission.channel, identity, submission.channel_message_id,
                              center)
        received = ComplaintReceived(
            tenant=tenant, complaint_id=complaint_id, ticket=ticket,
            channel=submission.channel, channel_message_id=submission.channel_message_id,
            # An anonymous report carries no pseudonym either: agencies could otherwise link
            # it to the same citizen's named reports. The registry still knows who it was.
            reporter_id=None if submission.anonymous else reporter_id,
            anonymous=submission.anonymous,
            confidential=submission.confidential, kecamatan=submission.kecamatan,
            submitted_at=submission.occurred_at, occurred_at=now,
            received_by=submission.received_by, category_hint=submission.category_hint,
            in_reply_to=submission.in_reply_to, **masked_fields(submission))
        return CasePlan(received, acknowledgement(received, contact), contact)

    return NewCase(submission.channel.value, submission.channel_message_id, identity, plan,
                   deferred)


async def accept(state: IntakeState, submission: ComplaintSubmission, now: datetime,
                 deferred: Deferred | None = None) -> tuple[Case, bool]:
    """Open (or find) the case and make sure its events are durably in Kafka.

    Returns the case and whether it already existed (a redelivery of the same message).
    A citizen's "1"/"2" answer to our question about a resolution is recorded on that case.
    A new case is stored with its deferred look-up and the downloads of its WhatsApp media
    (when a Meta access token is configured), which the enrichment job then does.
    """
    answered = await verdict_store.take_reply(state, submission, now)
    if answered is not None:
        return answered, True
    later = (deferred,) if deferred else ()
    if state.settings.meta_access_token is not None:
        later += downloads_for(submission)
    new = new_case(submission, state.settings.tenant, state.center, now, later)
    year = ticket_year(now, state.timezone)
    # A 202 promises the events are in Kafka: while Kafka does not acknowledge (it is down),
    # answer 503 with Retry-After after a bound instead of hanging; the case stays stored and
    # the retry (or the outbox sweep) completes it. Shielded: the group's work is not cut.
    timeout = state.settings.kafka_ack_timeout_seconds
    try:
        if state.groups is not None:  # group commit: shares a transaction and a send
            case = await asyncio.wait_for(asyncio.shield(
                state.groups.open(state.settings.ticket_prefix, year, new)), timeout)
        else:
            case = await open_case_retrying(state.pool, state.settings.ticket_prefix, year, new)
            if case.pending:
                await asyncio.wait_for(asyncio.shield(
                    outbox.publish_case(state.pool, state.producer, case.complaint_id)), timeout)
    except TimeoutError:
        raise KafkaTimeoutError(f"no acknowledgement within {timeout:g} s") from None
    duplicate = not case.created
    COMPLAINTS.labels(channel=submission.channel.value,
                      outcome="duplicate" if duplicate else "new").inc()
    if case.created:
        log.info("opened case complaint_id=%s ticket=%s channel=%s", case.complaint_id,
                 case.ticket, submission.channel.value)
    return case, duplicate
