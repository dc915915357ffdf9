"""An edited triaged case is routed again; a held case keeps its holder (router addition)."""

from __future__ import annotations

from schemas.directory import Directory
from schemas.enums import Channel, Disposition
from schemas.intake import ComplaintEdited
from schemas.routing import ComplaintAssigned
from services.router.amendments import reroute_edited
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


def test_held_case_keeps_its_holder_after_an_edit(rules: RuleSet, directory: Directory) -> None:
    change = reroute_edited(HELD, edit("Lampu jalan mati"), rules, directory)
    assert change.outgoing == [] and change.state == HELD
