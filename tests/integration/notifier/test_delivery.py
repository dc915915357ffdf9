"""The notifier on the real stack: every channel, retries, dead letters, idempotent delivery."""

from __future__ import annotations

import uuid

import httpx
import orjson

from schemas.enums import Flag, NotificationChannel
from schemas.envelope import utcnow
from schemas.notifications import NotificationRequested
from schemas.sla import SlaBreached
from schemas.topics import ASSIGNED, NOTIFY_OUTCOMES, NOTIFY_REQUESTS, SLA
from services.notifier.signing import SIGNATURE_HEADER, verify
from services.notifier.webhook import IDEMPOTENCY_HEADER
from services.runtime.settings import RuntimeSettings
from tests.integration.notifier.conftest import SECRET, WA_PATH, WA_TOKEN, assignment
from tests.integration.notifier.endpoints import Endpoints, Mailbox
from tests.support.kafka import Watcher, produce
from tests.support.processes import ServiceProcess

PUPR_WHATSAPP = "6281157120012"  # dinas-pupr's desk in tenants/ketapang/agencies.yaml
PUPR_EMAIL = "dinas-pupr@ketapangkab.example.go.id"


def citizen_request(template: str, channel: NotificationChannel, recipient: str,
                    **context: str) -> NotificationRequested:
    return NotificationRequested(complaint_id=f"c-{uuid.uuid4().hex}", channel=channel,
                                 recipient=recipient, template=template, context=context)


async def test_assignment_reaches_agency_webhook_with_valid_signature(
        stack: RuntimeSettings, notifier: ServiceProcess, endpoints: Endpoints) -> None:
    case = assignment()
    async with Watcher(stack, NOTIFY_OUTCOMES.name) as watch:
        await produce(stack, ASSIGNED.name, case)
        [hook] = await endpoints.wait_matching("/hooks/dinas-pupr", case.complaint_id.encode())
        assert verify(SECRET, hook.body, hook.headers.get(SIGNATURE_HEADER))
        document = orjson.loads(hook.body)
        assert document["event"]["ticket"] == case.ticket
        assert document["template"] == "agency_assigned"
        assert case.ticket in document["text"] and "Aduan baru" in document["text"]
        assert uuid.UUID(hook.headers[IDEMPOTENCY_HEADER]) == uuid.UUID(document["delivery_id"])
        delivered = await watch.wait_event(
            NOTIFY_OUTCOMES.name, lambda e: e.complaint_id == case.complaint_id
            and e.type == "NotificationDelivered" and e.channel == "webhook")
        assert delivered[0].recipient == "dinas-pupr:agency"


async def test_assignment_reaches_agency_desk_by_email_and_whatsapp(
        stack: RuntimeSettings, notifier: ServiceProcess, endpoints: Endpoints,
        mailbox: Mailbox) -> None:
    case = assignment()
    await produce(stack, ASSIGNED.name, case)
    [message] = await mailbox.wait_for(PUPR_EMAIL, case.ticket)
    assert message["Subject"].startswith(f"[Aduan {case.ticket}]")
    assert message["Auto-Submitted"] == "auto-generated"
    assert "Jalan rusak parah" in message.get_content()
    [call] = await endpoints.wait_matching(WA_PATH, case.ticket.encode())
    assert orjson.loads(call.body)["to"] == PUPR_WHATSAPP


async def test_citizen_acknowledgement_reaches_whatsapp_with_ticket(
        stack: RuntimeSettings, notifier: ServiceProcess, endpoints: Endpoints) -> None:
    request = citizen_request("citizen_ack", NotificationChannel.WHATSAPP, "0812-3456-7890",
                              ticket="KTP-2026-004217", reply_to="wamid.HBgNNjI4MTIzNDU2Nzg5MA")
    async with Watcher(stack, NOTIFY_OUTCOMES.name) as watch:
        await produce(stack, NOTIFY_REQUESTS.name, request)
        [delivered] = await watch.wait_event(
            NOTIFY_OUTCOMES.name, lambda e: e.complaint_id == request.complaint_id)
    assert delivered.type == "NotificationDelivered" and delivered.attempts == 1
    assert "3456" not in delivered.recipient  # the outcomes topic keeps no phone number
    [call] = await endpoints.wait_matching(WA_PATH, str(delivered.delivery_id).encode())
    assert call.method == "POST"
    assert call.headers["Authorization"] == f"Bearer {WA_TOKEN}"
    assert call.headers["Content-Type"].startswith("application/json")
    body = orjson.loads(call.body)
    assert body["messaging_product"] == "whatsapp" and body["recipient_type"] == "individual"
    assert body["to"] == "6281234567890" and body["type"] == "text"
    assert body["text"]["preview_url"] is False
    assert "KTP-2026-004217" in body["text"]["body"]
    assert "aduan Anda sudah kami terima" in body["text"]["body"]
    assert body["context"] == {"message_id": "wamid.HBgNNjI4MTIzNDU2Nzg5MA"}
    assert len(body["text"]["body"]) <= 1024


async def test_citizen_acknowledgement_by_email_arrives_at_local_smtp_server(
        stack: RuntimeSettings, notifier: ServiceProcess, mailbox: Mailbox) -> None:
    address = f"warga.{uuid.uuid4().hex[:8]}@contoh.example"
    request = citizen_request("citizen_ack", NotificationChannel.EMAIL, address,
                              ticket="KTP-2026-000777", in_reply_to="<aduan-1@contoh.example>")
    await produce(stack, NOTIFY_REQUESTS.name, request)
    [message] = await mailbox.wait_for(address)
    assert message["To"] == address and message["Subject"] == "Aduan Anda diterima: KTP-2026-000777"
    assert message["In-Reply-To"] == "<aduan-1@contoh.example>"
    assert "KTP-2026-000777" in message.get_content()


async def test_agency_answer_notice_reaches_the_citizen(
        stack: RuntimeSettings, notifier: ServiceProcess, endpoints: Endpoints) -> None:
    """What intake raises after an AgencyResponded: the answer relayed on the citizen's channel."""
    request = citizen_request("citizen_answer", NotificationChannel.WHATSAPP, "6281299887766",
                              ticket="KTP-2026-000888", agency="dinas-pupr", kind="resolved",
                              message="Lubang sudah ditambal hari ini oleh tim UPT Jalan.")
    await produce(stack, NOTIFY_REQUESTS.name, request)
    [call] = await endpoints.wait_matching(WA_PATH, b"6281299887766")
    body = orjson.loads(call.body)
    text = body["text"]["body"]
    assert "Lubang sudah ditambal" in text and "KTP-2026-000888" in text
    assert "Dinas Pekerjaan Umum" in text  # the agency's name, not its code


async def test_social_media_citizen_acknowledgement_goes_to_center_operators(
        stack: RuntimeSettings, notifier: ServiceProcess, endpoints: Endpoints) -> None:
    request = citizen_request("citizen_ack", NotificationChannel.WEBHOOK, "diskominfo",
                              ticket="KTP-2026-000999", reply_on="instagram",
                              handle="warga.ketapang")
    await produce(stack, NOTIFY_REQUESTS.name, request)
    [hook] = await endpoints.wait_matching("/hooks/diskominfo", request.complaint_id.encode())
    text = orjson.loads(hook.body)["text"]
    assert "balas di instagram kepada @warga.ketapang" in text and "KTP-2026-000999" in text


async def test_negative_news_reaches_head_of_agency(
        stack: RuntimeSettings, notifier: ServiceProcess, mailbox: Mailbox) -> None:
    case = assignment("rsud", flags=(Flag.NEGATIVE_NEWS,))
    head = "kepala.rsud@ketapangkab.example.go.id"
    await produce(stack, ASSIGNED.name, case)
    [message] = await mailbox.wait_for(head, case.ticket)
    assert message["Subject"].startswith("[Informasi negatif]")
    assert "Yth. Kepala" in message.get_content()


async def test_sla_breach_reaches_desk_and_head_with_the_ticket(
        stack: RuntimeSettings, notifier: ServiceProcess, mailbox: Mailbox) -> None:
    case = assignment("dishub")
    async with Watcher(stack, NOTIFY_OUTCOMES.name) as watch:
        await produce(stack, ASSIGNED.name, case)
        await watch.wait_event(NOTIFY_OUTCOMES.name, lambda e: e.complaint_id == case.complaint_id)
        breach = SlaBreached(complaint_id=case.complaint_id, agency="dishub",
                             clock_id=f"{case.complaint_id}:dishub:response", due_at=utcnow())
        await produce(stack, SLA.name, breach)
        for address in ("dishub@ketapangkab.example.go.id",
                        "kepala.dishub@ketapangkab.example.go.id"):
            await mailbox.wait_for(address, f"Batas waktu terlewati: {case.ticket}")


async def test_failing_webhook_is_retried_honouring_retry_after_then_dead_lettered(
        stack: RuntimeSettings, notifier: ServiceProcess, endpoints: Endpoints) -> None:
    case = assignment("dlh")
    async with Watcher(stack, NOTIFY_OUTCOMES.name, NOTIFY_REQUESTS.dlq) as watch:
        await produce(stack, ASSIGNED.name, case)
        [failed] = await watch.wait_event(
            NOTIFY_OUTCOMES.name, lambda e: e.complaint_id == case.complaint_id
            and e.type == "NotificationFailed")
        dlq = stack.topic(NOTIFY_REQUESTS.dlq)
        [parked] = await watch.wait_for(
            lambda r: r.topic == dlq and r.key == case.complaint_id.encode())
    assert failed.channel == "webhook" and failed.attempts == 3 and "HTTP 503" in failed.reason
    tries = [t for t, r in endpoints.arrivals
             if r.path == "/fail/dlh" and case.complaint_id.encode() in r.body]
    assert len(tries) == 3
    assert all(b - a >= 0.95 for a, b in zip(tries, tries[1:], strict=False))  # Retry-After: 1
    headers = dict(parked.headers)
    assert b"HTTP 503" in headers["dlq.reason"] and headers["dlq.attempts"] == b"3"
    request = orjson.loads(parked.value)
    assert request["type"] == "NotificationRequested" and request["recipient"] == "dlh"
    assert request["template"] == "agency_assigned"


async def test_redelivered_request_is_sent_once(
        stack: RuntimeSettings, notifier: ServiceProcess, endpoints: Endpoints) -> None:
    request = citizen_request("citizen_ack", NotificationChannel.WHATSAPP, "6281311112222",
                              ticket="KTP-2026-000123")
    async with Watcher(stack, NOTIFY_OUTCOMES.name) as watch:
        await produce(stack, NOTIFY_REQUESTS.name, request, request, request)
        outcomes = await watch.wait_event(
            NOTIFY_OUTCOMES.name, lambda e: e.complaint_id == request.complaint_id, count=3)
    assert {o.event_id for o in outcomes} == {outcomes[0].event_id}  # same outcome, re-stated
    calls = [r for r in endpoints.under(WA_PATH) if b"6281311112222" in r.body]
    assert len(calls) == 1


async def test_loopback_webhook_from_an_event_is_refused(
        stack: RuntimeSettings, notifier: ServiceProcess, endpoints: Endpoints) -> None:
    request = citizen_request("citizen_ack", NotificationChannel.WEBHOOK,
                              f"{endpoints.url}/private/admin", ticket="KTP-2026-000321")
    async with Watcher(stack, NOTIFY_OUTCOMES.name) as watch:
        await produce(stack, NOTIFY_REQUESTS.name, request)
        [failed] = await watch.wait_event(
            NOTIFY_OUTCOMES.name, lambda e: e.complaint_id == request.complaint_id)
    assert failed.type == "NotificationFailed" and failed.attempts == 1  # refused, not retried
    assert "loopback" in failed.reason
    assert endpoints.under("/private") == []


async def test_metrics_count_deliveries_retries_and_dead_letters(
        notifier: ServiceProcess) -> None:
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"{notifier.url}/metrics")).text
    for line in ('notifier_deliveries_total{channel="webhook",outcome="delivered"}',
                 'notifier_deliveries_total{channel="whatsapp",outcome="delivered"}',
                 'notifier_deliveries_total{channel="email",outcome="delivered"}',
                 'notifier_retries_total{channel="webhook"}',
                 'notifier_dead_letters_total{channel="webhook"}',
                 'notifier_delivery_latency_seconds_bucket{channel="whatsapp"'):
        assert line in text, line
