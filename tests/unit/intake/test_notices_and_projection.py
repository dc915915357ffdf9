"""Whom the citizen hears from, and what each lifecycle event shows on the status page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.enums import Channel, NotificationChannel, ResponseKind
from schemas.intake import ComplaintReceived, ComplaintSubmission
from schemas.notifications import NotificationRequested
from schemas.responses import AgencyResponded
from schemas.routing import ComplaintAssigned, ComplaintExternal, ComplaintSuppressed
from schemas.topics import ACKNOWLEDGED, NOTIFY_REQUESTS
from services.intake.cases.reporters import identify
from services.intake.cases.submissions import Refused, parse_submission
from services.intake.status import projection
from services.intake.status.notices import acknowledgement, answer_notice, contact_for


def _identity(channel: Channel, **reporter: str):  # noqa: ANN202
    return identify(ComplaintSubmission(channel=channel, channel_message_id="m1", text="t",
                                        reporter=reporter))


def _received(**extra: object) -> ComplaintReceived:
    return ComplaintReceived(complaint_id="c-1", ticket="KTP-2026-000001", channel="whatsapp",
                             channel_message_id="wamid.1", text="Jalan rusak", **extra)


def test_whatsapp_citizen_is_answered_on_whatsapp_in_the_thread() -> None:
    contact = contact_for(Channel.WHATSAPP, _identity(Channel.WHATSAPP, phone="6281390417726"),
                          "wamid.1", "diskominfo")
    assert (contact.channel, contact.recipient) == (NotificationChannel.WHATSAPP,
                                                    "+6281390417726")
    assert contact.context["reply_to"] == "wamid.1"


def test_email_citizen_gets_email_even_with_a_phone() -> None:
    identity = _identity(Channel.EMAIL, email="Rina@Surel.example", phone="081234567890")
    contact = contact_for(Channel.EMAIL, identity, "<m@x>", "diskominfo")
    assert (contact.channel, contact.recipient) == (NotificationChannel.EMAIL,
                                                    "rina@surel.example")


def test_social_citizen_is_answered_under_their_comment_with_the_operators_as_fallback() -> None:
    contact = contact_for(Channel.INSTAGRAM, _identity(Channel.INSTAGRAM, handle="@warga"),
                          "1810", "diskominfo")
    assert (contact.channel, contact.recipient) == (NotificationChannel.INSTAGRAM, "1810")
    assert contact.context["handle"] == "@warga" and contact.context["reply_to"] == "1810"
    assert (contact.context["fallback_channel"], contact.context["fallback_recipient"]) == (
        "webhook", "diskominfo")


def test_social_citizen_with_a_phone_falls_back_to_whatsapp() -> None:
    identity = _identity(Channel.X, handle="@warga", phone="081234567890")
    contact = contact_for(Channel.X, identity, "1790000000000000001", "diskominfo")
    assert contact.channel is NotificationChannel.X
    assert (contact.context["fallback_channel"], contact.context["fallback_recipient"]) == (
        "whatsapp", "+6281234567890")


def test_whatsapp_citizen_with_an_email_falls_back_to_it() -> None:
    identity = _identity(Channel.WHATSAPP, phone="081234567890", email="rina@surel.example")
    contact = contact_for(Channel.WHATSAPP, identity, "wamid.9", "diskominfo")
    assert contact.channel is NotificationChannel.WHATSAPP
    assert contact.context["fallback_channel"] == "email"


def test_no_contact_acknowledges_without_a_notice() -> None:
    contact = contact_for(Channel.WEB, None, "m1", "diskominfo")
    [(topic, ack)] = acknowledgement(_received(), contact)
    assert topic == ACKNOWLEDGED.name and ack.notify_channel is None  # type: ignore[attr-defined]


def test_acknowledgement_ids_are_derived_from_the_case() -> None:
    contact = contact_for(Channel.WHATSAPP, _identity(Channel.WHATSAPP, phone="081234567890"),
                          "wamid.1", "diskominfo")
    received = _received()
    first, again = acknowledgement(received, contact), acknowledgement(received, contact)
    assert [e.event_id for _, e in first] == [e.event_id for _, e in again]
    topic, notice = first[1]
    assert topic == NOTIFY_REQUESTS.name and isinstance(notice, NotificationRequested)
    assert notice.template == "citizen_ack" and notice.context["ticket"] == "KTP-2026-000001"


def test_public_answer_and_external_raise_notices_private_answer_does_not() -> None:
    contact = contact_for(Channel.WHATSAPP, _identity(Channel.WHATSAPP, phone="081234567890"),
                          "wamid.1", "diskominfo")
    answer = AgencyResponded(complaint_id="c-1", agency="dinas-pupr",
                             kind=ResponseKind.FIRST_RESPONSE, message="Tim meluncur besok.")
    notice = answer_notice(answer, "KTP-2026-000001", contact)
    assert notice is not None and notice.template == "citizen_answer"
    assert notice.context["message"] == "Tim meluncur besok."
    assert answer_notice(answer.model_copy(update={"public": False}), "T", contact) is None
    external = ComplaintExternal(complaint_id="c-1", ticket="T", agency="pln",
                                 rules_version="1", citizen_message="Silakan hubungi PLN 123.")
    assert answer_notice(external, "T", contact).template == "citizen_external"  # type: ignore[union-attr]


def test_status_follows_the_lifecycle() -> None:
    at = datetime(2026, 3, 9, tzinfo=UTC)
    assigned = ComplaintAssigned(complaint_id="c-1", ticket="T", agency="dinas-pupr",
                                 rules_version="1", occurred_at=at)
    assert projection.change_for(assigned) == projection.Change(
        status="assigned", agency="dinas-pupr", history="assigned")
    suppressed = ComplaintSuppressed(complaint_id="c-1", ticket="T", agency="diskominfo",
                                     rules_version="1", reason="political")
    change = projection.change_for(suppressed)
    assert change is not None and change.status == "not_answered" and change.message is None
    assert projection.open311_status("not_answered") == "closed"
    assert projection.open311_status("in_progress") == "open"


@pytest.mark.parametrize(("value", "reason"), [
    (None, "tombstone"), (b"{", "not JSON"),
    (b'{"channel": "whatsapp", "channel_message_id": "m", "text": "t", "colour": 1}', "colour"),
    (b'{"channel": "fax", "channel_message_id": "m", "text": "t"}', "field channel"),
    (b"x" * 2000, "over the 1000-byte limit"),
])
def test_raw_submission_refusals_name_the_reason(value: bytes | None, reason: str) -> None:
    with pytest.raises(Refused, match=reason):
        parse_submission(value, 1000)
