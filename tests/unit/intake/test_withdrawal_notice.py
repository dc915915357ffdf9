"""The agency working on a withdrawn case is told once; nobody else is."""

from __future__ import annotations

from schemas.enums import Channel
from schemas.intake import ComplaintWithdrawn
from services.intake.status.withdrawals import agency_notices


def gone(cid: str) -> ComplaintWithdrawn:
    return ComplaintWithdrawn(complaint_id=cid, ticket="KTP-1", channel=Channel.FACEBOOK,
                              channel_message_id="m1", reason="remove")


def test_the_working_agency_is_told_under_a_derived_id() -> None:
    event = gone("c1")
    [(topic, told)] = agency_notices([event], {"c1": ("dinas-pupr", "KTP-1")}, "diskominfo")
    assert topic == "notifications.requests" and told.recipient == "dinas-pupr"
    assert told.template == "agency_withdrawn" and told.context["reason"] == "remove"
    assert told.causation_id == event.event_id
    [(_, again)] = agency_notices([event], {"c1": ("dinas-pupr", "KTP-1")}, "diskominfo")
    assert again.event_id == told.event_id


def test_cases_nobody_works_on_tell_nobody() -> None:
    assert agency_notices([gone("c1"), gone("c2")], {"c2": ("diskominfo", "KTP-2")},
                          "diskominfo") == []
