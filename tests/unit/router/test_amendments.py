"""An edited triaged case is routed again; a held case keeps its holder, who is told."""

from __future__ import annotations

from schemas.directory import Directory
from schemas.enums import Channel, Disposition
from schemas.intake import Attachment, ComplaintEdited, ComplaintEnriched, ComplaintWithdrawn
from schemas.routing import ComplaintAssigned
from schemas.topics import agency_topic
from services.router.amendments import amend, reroute_edited
from services.router.rules import RuleSet
from tests.unit.router.test_casework import HELD, TRIAGED


def edit(text: str) -> ComplaintEdited:
    return ComplaintEdited(complaint_id="c-7", ticket="KTP-2026-000007", channel=Channel.WHATSAPP,
                           channel_message_id="wamid.A", edit_id="wamid.B", text=text)


def test_triaged_case_edited_into_a_clear_matter_is_assigned(rules: RuleSet,
                                                             directory: Directory) -> None:
    change = reroute_edited(TRIAGED, edit("Jalan berlubang besar di depan pasar, aspal rusak "
                                          "parah dan membahayakan pengendara"), rules, directory)
    [(_, decision), *_] = change.outgoing
    assert isinstance(decision, ComplaintAssigned) and decision.agency == "dinas-pupr"
    assert change.state.disposition is Disposition.ASSIGNED
    assert decision.causation_id is not None and "edit" in (decision.reason or "")


def test_held_case_keeps_its_holder_who_reads_the_masked_edit(rules: RuleSet,
                                                               directory: Directory) -> None:
    event = edit("Lampu jalan mati, hubungi 0812 3456 7890")
    change = reroute_edited(HELD, event, rules, directory)
    [(topic, told)] = change.outgoing
    assert topic == agency_topic(HELD.agency) and isinstance(told, ComplaintEdited)
    assert "[telepon]" in told.text and "3456" not in told.text
    assert told.event_id != event.event_id and told.causation_id == event.event_id
    assert change.state.agency == HELD.agency and change.state.text == told.text
    again = reroute_edited(HELD, event, rules, directory)
    assert again.outgoing[0][1].event_id == told.event_id  # derived: a redelivery is the same


def test_withdrawal_tells_the_holder_and_nobody_else(rules: RuleSet, directory: Directory) -> None:
    gone = ComplaintWithdrawn(complaint_id="c-7", ticket="KTP-2026-000007",
                              channel=Channel.WHATSAPP, channel_message_id="wamid.A",
                              reason="revoke")
    [(topic, told)] = amend(HELD, gone, rules, directory).outgoing
    assert topic == agency_topic(HELD.agency) and told.reason == "revoke"
    assert amend(TRIAGED, gone, rules, directory).outgoing == []


def stored_media(text: str) -> ComplaintEnriched:
    return ComplaintEnriched(
        complaint_id="c-7", ticket="KTP-2026-000007", channel=Channel.WHATSAPP,
        channel_message_id="wamid.A", lookup="whatsapp_media", text=text,
        attachments=(Attachment(kind="image", media_id="9001", sha256="ab" * 32,
                                mime_type="image/jpeg", size=12, stored=True),))


def test_stored_media_that_leaves_the_text_routes_nothing_again(rules: RuleSet,
                                                                directory: Directory) -> None:
    change = amend(TRIAGED, stored_media(TRIAGED.text), rules, directory)
    assert change.outgoing == [] and change.state == TRIAGED
    assert "not routed again" in change.note


def test_the_holder_is_told_which_media_it_can_fetch(rules: RuleSet,
                                                     directory: Directory) -> None:
    event = stored_media(HELD.text)
    change = amend(HELD, event, rules, directory)
    [(topic, told)] = change.outgoing
    assert topic == agency_topic(HELD.agency) and isinstance(told, ComplaintEnriched)
    assert told.attachments == event.attachments and told.causation_id == event.event_id
    assert change.state == HELD and change.note == "dinas-pupr told of the stored media"
