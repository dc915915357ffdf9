"""The one path from a channel's submission to a case whose events are durably in Kafka."""

from __future__ import annotations

import logging
from datetime import datetime

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
             now: datetime) -> NewCase:
    """The case this submission opens if its message is new: masked event, contact, notices."""
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

    return NewCase(submission.channel.value, submission.channel_message_id, identity, plan)


async def accept(state: IntakeState, submission: ComplaintSubmission,
                 now: datetime) -> tuple[Case, bool]:
    """Open (or find) the case and make sure its events are durably in Kafka.

    Returns the case and whether it already existed (a redelivery of the same message).
    A citizen's "1"/"2" answer to our question about a resolution is recorded on that case.
    """
    answered = await verdict_store.take_reply(state, submission, now)
    if answered is not None:
        return answered, True
    new = new_case(submission, state.settings.tenant, state.center, now)
    year = ticket_year(now, state.timezone)
    if state.groups is not None:  # group commit: shares a transaction and a send
        case = await state.groups.open(state.settings.ticket_prefix, year, new)
    else:
        case = await open_case_retrying(state.pool, state.settings.ticket_prefix, year, new)
        if case.pending:
            await outbox.publish_case(state.pool, state.producer, case.complaint_id)
    duplicate = not case.created
    COMPLAINTS.labels(channel=submission.channel.value,
                      outcome="duplicate" if duplicate else "new").inc()
    if case.created:
        log.info("opened case complaint_id=%s ticket=%s channel=%s", case.complaint_id,
                 case.ticket, submission.channel.value)
    return case, duplicate
