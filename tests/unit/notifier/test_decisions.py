"""Pure decisions: who is told what, address policy, Retry-After, rendering, answer rules."""

from __future__ import annotations

import ipaddress
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from schemas.directory import load_directory
from schemas.enums import Flag, NotificationChannel, ResponseKind
from schemas.notifications import NotificationRequested
from schemas.routing import ComplaintAssigned
from schemas.sla import SlaBreached, SlaEscalated, SlaMet, SlaWarning
from services.intake.answers.routes import Answer, Holding, answer_events, refusal
from services.notifier import plan
from services.notifier.addresses import networks
from services.notifier.addresses import refusal as address_refusal
from services.notifier.channel import (
    PermanentFailure,
    TemporaryFailure,
    classify_status,
    parse_retry_after,
)
from services.notifier.contacts import Unreachable, destination, mask
from services.notifier.render import MAX_BODY, REQUIRED, RenderError, render

DIRECTORY = load_directory()
ALL = frozenset(NotificationChannel)
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def reach(enabled: frozenset[NotificationChannel] = ALL) -> plan.Reach:
    return plan.Reach(DIRECTORY, enabled, lambda code: None)


def assigned(flags: tuple[Flag, ...] = ()) -> ComplaintAssigned:
    return ComplaintAssigned(complaint_id="c-1", ticket="KTP-2026-000001", agency="dinas-pupr",
                             rules_version="t", text="jalan rusak", flags=flags)


def clock(kind: type, **extra: object) -> object:
    return kind(complaint_id="c-1", clock_id="c-1:dinas-pupr:response", agency="dinas-pupr",
                due_at=NOW, **extra)


def test_assignment_goes_to_the_agency_desk_on_every_channel_it_has() -> None:
    planned = plan.for_assignment(assigned(), reach())
    assert [(r.channel, r.audience, r.template) for r in planned] == [
        ("webhook", "agency", "agency_assigned"), ("email", "agency", "agency_assigned"),
        ("whatsapp", "agency", "agency_assigned")]


def test_disabled_channels_are_not_planned() -> None:
    planned = plan.for_assignment(assigned(), reach(frozenset({NotificationChannel.WEBHOOK})))
    assert [r.channel for r in planned] == ["webhook"]


def test_negative_news_also_goes_to_the_head_of_agency() -> None:
    planned = plan.for_assignment(assigned((Flag.NEGATIVE_NEWS,)), reach())
    head = [r for r in planned if r.audience == "head"]
    assert {r.channel for r in head} == {"email", "whatsapp"}
    assert {r.template for r in head} == {"head_negative_news"}


def test_redelivered_event_plans_the_same_request_ids() -> None:
    event = assigned()
    assert ([r.event_id for r in plan.for_assignment(event, reach())]
            == [r.event_id for r in plan.for_assignment(event, reach())])


@pytest.mark.parametrize(("event", "audiences", "template"), [
    (clock(SlaWarning, fraction=0.5, fire_at=NOW), {"agency"}, "sla_warning"),
    (clock(SlaBreached), {"agency", "head"}, "sla_breached"),
    (clock(SlaEscalated, level=1, escalate_to="head_of_agency", fire_at=NOW), {"head"},
     "sla_escalated"),
    (clock(SlaEscalated, level=2, escalate_to="regional_secretary", fire_at=NOW),
     {"regional_secretary"}, "sla_escalated"),
])
def test_clock_events_reach_their_audience(event: object, audiences: set[str],
                                           template: str) -> None:
    planned = plan.for_clock(event, reach(), "KTP-2026-000001")  # type: ignore[arg-type]
    assert {r.audience for r in planned} == audiences
    assert {r.template for r in planned} == {template}
    assert all(r.context["ticket"] == "KTP-2026-000001" for r in planned)


def test_met_clock_notifies_nobody() -> None:
    met = clock(SlaMet, met_at=NOW, elapsed_seconds=10.0)
    assert plan.for_clock(met, reach(), None) == []  # type: ignore[arg-type]


def test_regional_secretary_resolves_from_the_regency_contacts() -> None:
    request = NotificationRequested(complaint_id="c-1", channel="email", recipient="dinas-pupr",
                                    audience="regional_secretary", template="sla_escalated")
    assert destination(request, DIRECTORY, None).address == "sekda@ketapangkab.example.go.id"


def test_citizen_address_is_used_as_is_and_masked_in_labels() -> None:
    request = NotificationRequested(complaint_id="c-1", channel="whatsapp",
                                    recipient="081234567890", template="citizen_ack")
    found = destination(request, DIRECTORY, None)
    assert found.address == "081234567890" and found.label == "0812****890"
    assert mask("budi.santoso@contoh.example") == "bu***@contoh.example"


def test_operator_webhook_override_is_trusted_directory_url_is_not() -> None:
    request = NotificationRequested(complaint_id="c-1", channel="webhook", recipient="dlh",
                                    template="agency_assigned")
    assert destination(request, DIRECTORY, "http://127.0.0.1:1/x").trusted
    assert not destination(request, DIRECTORY, None).trusted


def test_agency_without_a_contact_on_a_channel_is_unreachable() -> None:
    request = NotificationRequested(complaint_id="c-1", channel="email", recipient="ext-pln",
                                    template="agency_assigned")
    with pytest.raises(Unreachable):
        destination(request, DIRECTORY, None)


@pytest.mark.parametrize(("address", "allowed", "refused"), [
    ("127.0.0.1", (), "loopback"), ("10.1.2.3", (), "private"), ("192.168.1.9", (), "private"),
    ("169.254.169.254", (), "link-local"), ("::1", (), "loopback"),
    ("::ffff:127.0.0.1", (), "loopback"), ("8.8.8.8", (), None),
    ("127.0.0.1", ("127.0.0.0/8",), None), ("10.1.2.3", ("127.0.0.0/8",), "private"),
])
def test_address_policy(address: str, allowed: tuple[str, ...], refused: str | None) -> None:
    reason = address_refusal(ipaddress.ip_address(address), networks(allowed))
    assert (reason is None) if refused is None else (refused in (reason or ""))


def test_retry_after_in_seconds_and_as_http_date() -> None:
    assert parse_retry_after("7", NOW) == 7.0
    later = (NOW + timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_retry_after(later, NOW) == 30.0
    assert parse_retry_after("soon", NOW) is None and parse_retry_after(None, NOW) is None


@pytest.mark.parametrize(("status", "kind"), [
    (200, None), (204, None), (429, TemporaryFailure), (503, TemporaryFailure),
    (408, TemporaryFailure), (400, PermanentFailure), (404, PermanentFailure),
    (410, PermanentFailure)])
def test_http_status_classification(status: int, kind: type | None) -> None:
    failure = classify_status(status, None, "")
    assert failure is None if kind is None else isinstance(failure, kind)


CONTEXTS: dict[str, dict[str, object]] = {
    "agency_assigned": {"ticket": "KTP-1", "agency_name": "Dinas PUPR", "text": "x" * 10_000,
                        "priority": "emergency", "kecamatan": "Delta Pawan"},
    "head_negative_news": {"ticket": "KTP-1", "agency_name": "RSUD", "text": "y " * 5000},
    "sla_warning": {"agency_name": "Dinas PUPR", "due_at": NOW.isoformat(), "fraction": 0.8,
                    "complaint_id": "c-1", "ticket": None},
    "sla_breached": {"agency_name": "Dinas PUPR", "due_at": NOW.isoformat(), "ticket": "KTP-1"},
    "sla_escalated": {"agency_name": "Dinas PUPR", "due_at": NOW.isoformat(), "level": 2,
                      "ticket": "KTP-1"},
    "citizen_ack": {"ticket": "KTP-1", "reply_on": "instagram", "handle": "warga"},
    "citizen_answer": {"ticket": "KTP-1", "message": "z " * 2000, "kind": "waiting_for_citizen",
                       "agency_name": "Dinas PUPR"},
    "citizen_external": {"ticket": "KTP-1", "agency_name": "PT PLN", "message": "m " * 2000},
    "citizen_verdict": {"ticket": "KTP-1", "agency_name": "Dinas PUPR", "code": "a1b2c3d4",
                        "days": 7, "public": False},
    "agency_reopened": {"ticket": "KTP-1", "agency_name": "Dinas PUPR", "round": 2,
                        "reason": "r " * 2000},
    "agency_withdrawn": {"ticket": "KTP-1", "agency_name": "Dinas PUPR", "reason": "revoke"},
}


@pytest.mark.parametrize("template", sorted(REQUIRED))
def test_every_template_renders_short_enough_for_whatsapp(template: str) -> None:
    rendered = render(template, CONTEXTS[template], "Pemerintah Kabupaten Ketapang",
                      "Asia/Pontianak")
    assert 0 < len(rendered.body) <= MAX_BODY and rendered.subject
    assert "Pemerintah Kabupaten Ketapang" in rendered.body + rendered.subject


def test_verdict_question_shows_the_code_only_in_a_private_message() -> None:
    private = render("citizen_verdict", CONTEXTS["citizen_verdict"], "Pemkab").body
    public = render("citizen_verdict", CONTEXTS["citizen_verdict"] | {"public": True},
                    "Pemkab").body
    assert "Balas *1*" in private and "a1b2c3d4" in private and "a1b2c3d4" not in public


def test_deadline_is_shown_in_regency_time_in_indonesian() -> None:
    rendered = render("sla_breached", CONTEXTS["sla_breached"], "Pemkab", "Asia/Pontianak")
    assert "Senin, 2 Mar 2026 14.00 WIB" in rendered.body


def test_missing_ticket_or_unknown_template_cannot_render() -> None:
    with pytest.raises(RenderError, match="ticket"):
        render("citizen_ack", {}, "Pemkab")
    with pytest.raises(RenderError, match="unknown template"):
        render("citizen_poem", {"ticket": "KTP-1"}, "Pemkab")


HOLDING = Holding("c-1", "KTP-2026-000001", "dinas-pupr", "assigned")


@pytest.mark.parametrize(("holding", "agency", "answer", "status"), [
    (None, "dinas-pupr", {}, 404),
    (HOLDING, "dlh", {}, 403),
    (Holding("c-1", "KTP-1", "dinas-pupr", "resolved"), "dinas-pupr", {}, 409),
    (Holding("c-1", "KTP-1", "dinas-pupr", "redirected"), "dinas-pupr", {}, 409),
    (HOLDING, "dinas-pupr", {"redirect_to": "dlh"}, 422),
    (HOLDING, "dinas-pupr", {"kind": "not_ours", "redirect_to": "dinas-pupr"}, 422),
    (HOLDING, "dinas-pupr", {"kind": "not_ours", "redirect_to": "dinas-perkim"}, None),
    (HOLDING, "dinas-pupr", {}, None),
])
def test_an_agency_answers_only_its_own_open_cases(holding: Holding | None, agency: str,
                                                   answer: dict[str, str],
                                                   status: int | None) -> None:
    body = Answer(**{"kind": "first_response", "message": "Segera kami cek."} | answer)
    refused = refusal(holding, agency, body, DIRECTORY)
    assert (refused[0] if refused else None) == status


def test_resolution_also_states_the_case_resolved() -> None:
    answer = Answer(kind=ResponseKind.RESOLVED, message="Sudah diperbaiki.")
    events = answer_events(answer, "dinas-pupr", HOLDING, uuid.uuid4())
    assert [e.type for _, e in events] == ["AgencyResponded", "ComplaintResolved"]
    assert {t for t, _ in events} == {"complaints.responses"}


def test_a_dead_letter_keeps_a_reference_never_the_citizens_address() -> None:
    from schemas.directory import load_directory
    from schemas.enums import NotificationChannel
    from schemas.notifications import NotificationRequested
    from services.notifier.contacts import redacted

    request = NotificationRequested(
        complaint_id="c-1", channel=NotificationChannel.WHATSAPP, recipient="+6281234567890",
        template="citizen_ack", context={"ticket": "KTP-1", "name": "Rina", "handle": None})
    parked = redacted(request, load_directory())
    assert parked.recipient == "citizen:c-1"
    assert parked.context == {"ticket": "KTP-1", "name": "[redacted]", "handle": None}
    agency = request.model_copy(update={"recipient": "dlh", "context": {"ticket": "KTP-1"}})
    assert redacted(agency, load_directory()) == agency
