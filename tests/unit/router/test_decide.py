"""Events of a routing decision: topics, deterministic ids, masking, links."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.enums import Disposition
from schemas.intake import ComplaintReceived
from schemas.routing import (
    ComplaintAssigned,
    ComplaintExternal,
    ComplaintLinked,
    ComplaintSuppressed,
    ComplaintTriaged,
)
from schemas.topics import ASSIGNED, EXTERNAL, LINKED, SUPPRESSED, TRIAGE, agency_topic
from services.router.decide import Parent, decide, judge
from services.router.rules import RuleSet

NOW = datetime(2026, 5, 4, 8, 30, tzinfo=UTC)


def received(text: str, channel: str = "whatsapp") -> ComplaintReceived:
    return ComplaintReceived(complaint_id="c-1", ticket="KTP-2026-000001", channel=channel,
                             channel_message_id="m-1", text=text, occurred_at=NOW)


def route(rules: RuleSet, text: str, parent: Parent | None = None) -> list[tuple[str, object]]:
    event = received(text)
    masked, verdict = judge(event.text, event.channel, rules)
    return list(decide(event, verdict, masked, rules, parent).outgoing)


def test_assignment_goes_to_the_case_topic_and_the_agency_topic(rules: RuleSet) -> None:
    [(t1, a1), (t2, a2)] = route(rules, "Jalan rusak parah di depan SDN 3 Sukaharja, lubang besar")
    assert (t1, t2) == (ASSIGNED.name, agency_topic("dinas-pupr")) and a1 is a2
    assert isinstance(a1, ComplaintAssigned) and a1.ticket == "KTP-2026-000001"
    assert a1.rules_version == rules.version and a1.kecamatan == "kec-delta-pawan"


def test_event_ids_are_derived_so_a_redelivery_repeats_them(rules: RuleSet) -> None:
    event = received("sampah belum diangkut seminggu")
    masked, verdict = judge(event.text, event.channel, rules)
    first = decide(event, verdict, masked, rules).outgoing[0][1]
    again = decide(event, verdict, masked, rules).outgoing[0][1]
    assert first.event_id == again.event_id == event.caused("routed")["event_id"]
    assert first.causation_id == event.event_id


def test_triage_suppression_and_external_carry_the_right_agency(rules: RuleSet) -> None:
    [(topic, triaged)] = route(rules, "pak gimana yg kemarin itu?")
    assert topic == TRIAGE.name and isinstance(triaged, ComplaintTriaged)
    assert triaged.agency == "diskominfo" and triaged.disposition is Disposition.TRIAGE
    [(topic, suppressed)] = route(rules, "coblos paslon nomor urut 1 di pilkada")
    assert topic == SUPPRESSED.name and isinstance(suppressed, ComplaintSuppressed)
    assert suppressed.agency == "diskominfo" and suppressed.disposition is Disposition.NO_RESPONSE
    [(topic, external)] = route(rules, "tagihan listrik naik 3x lipat, PLN tidak menanggapi")
    assert topic == EXTERNAL.name and isinstance(external, ComplaintExternal)
    assert external.agency == "ext-pln" and "PLN" in external.citizen_message


def test_personal_data_left_in_the_text_is_masked_and_flagged(rules: RuleSet) -> None:
    [(_, assigned), _] = route(rules, "KTP sy blm jadi, NIK 6104016203910004 hp 0813-4521-7788")
    assert "6104016203910004" not in assigned.text and "0813" not in assigned.text  # type: ignore[attr-defined]
    assert "contains_pii" in assigned.flags  # type: ignore[attr-defined]


def test_near_duplicate_is_assigned_and_linked_to_its_parent(rules: RuleSet) -> None:
    parent = Parent("c-0", "KTP-2026-000000", 0.8)
    outgoing = route(rules, "sampah di TPS belum diangkut seminggu", parent)
    assert [t for t, _ in outgoing] == [ASSIGNED.name, agency_topic("dlh"), LINKED.name]
    linked = outgoing[2][1]
    assert isinstance(linked, ComplaintLinked) and linked.parent_complaint_id == "c-0"
    assert linked.ticket == "KTP-2026-000001" and linked.parent_ticket == "KTP-2026-000000"
    assert outgoing[0][1].parent_complaint_id == "c-0"  # type: ignore[attr-defined]
