"""Each channel against a real local server: webhook and WhatsApp on the HTTP receiver,
e-mail on aiosmtpd; and the retry loop with a recording sleep."""

from __future__ import annotations

import uuid

import httpx
import orjson
import pytest

from services.notifier.addresses import networks
from services.notifier.channel import Message, PermanentFailure, TemporaryFailure
from services.notifier.retrying import Exhausted, RetryPolicy, with_retries
from services.notifier.signing import SIGNATURE_HEADER, verify
from services.notifier.smtp import EmailChannel
from services.notifier.webhook import IDEMPOTENCY_HEADER, WebhookChannel
from services.notifier.whatsapp import WhatsAppChannel, wa_id
from tests.integration.notifier.endpoints import Mailbox
from tests.support.processes import free_port
from tests.support.receiver import Receiver

LOOPBACK = networks(["127.0.0.0/8"])


def message(address: str, **extra: object) -> Message:
    fields: dict[str, object] = {
        "delivery_id": uuid.uuid4(), "address": address, "subject": "Aduan Anda diterima",
        "body": "Nomor tiket KTP-2026-000001", "event_type": "ComplaintAssigned",
        "document": b'{"ticket": "KTP-2026-000001"}'} | extra
    return Message(**fields)  # type: ignore[arg-type]


async def test_webhook_is_signed_and_carries_the_idempotency_key() -> None:
    async with Receiver() as receiver, httpx.AsyncClient() as http:
        channel = WebhookChannel(http, "rahasia", LOOPBACK)
        sent = message(f"{receiver.url}/hooks/dlh")
        await channel.send(sent)
        await channel.send(sent)  # a resend: same key, same signature
    first, second = receiver.requests
    assert verify("rahasia", first.body, first.headers[SIGNATURE_HEADER])
    assert first.headers[IDEMPOTENCY_HEADER] == second.headers[IDEMPOTENCY_HEADER] == str(
        sent.delivery_id)


async def test_webhook_503_with_retry_after_is_temporary_and_400_is_permanent() -> None:
    answers = {1: (503, {"Retry-After": "3"}, b""), 2: (400, {}, b"bad")}
    async with Receiver(respond=lambda n: answers[n]) as receiver, httpx.AsyncClient() as http:
        channel = WebhookChannel(http, None, LOOPBACK)
        with pytest.raises(TemporaryFailure) as temporary:
            await channel.send(message(f"{receiver.url}/x"))
        with pytest.raises(PermanentFailure):
            await channel.send(message(f"{receiver.url}/x"))
    assert temporary.value.retry_after == 3.0


async def test_webhook_to_loopback_is_refused_unless_allowed_or_trusted() -> None:
    async with Receiver() as receiver, httpx.AsyncClient() as http:
        with pytest.raises(PermanentFailure, match="loopback"):
            await WebhookChannel(http, None, ()).send(message(f"{receiver.url}/x"))
        await WebhookChannel(http, None, ()).send(
            message(f"{receiver.url}/x", trusted_address=True))
    assert len(receiver.requests) == 1


async def test_unreachable_webhook_is_temporary() -> None:
    async with httpx.AsyncClient() as http:
        with pytest.raises(TemporaryFailure):
            await WebhookChannel(http, None, LOOPBACK).send(
                message(f"http://127.0.0.1:{free_port()}/x"))


def graph_ok(n: int) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/json"}, orjson.dumps(
        {"messaging_product": "whatsapp", "messages": [{"id": "wamid.OK"}]})


async def test_whatsapp_follows_the_cloud_api_send_message_format() -> None:
    async with Receiver(respond=graph_ok) as receiver, httpx.AsyncClient() as http:
        channel = WhatsAppChannel(http, f"{receiver.url}/", "v21.0", "482913570016624", "tok")
        sent = message("0812-3456-7890", reply_to="wamid.ASLI")
        assert await channel.send(sent) == "wamid.OK"
    [call] = receiver.requests
    assert call.method == "POST" and call.path == "/v21.0/482913570016624/messages"
    assert call.headers["Authorization"] == "Bearer tok"
    assert orjson.loads(call.body) == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "6281234567890",
        "type": "text", "text": {"preview_url": False, "body": sent.body},
        "biz_opaque_callback_data": str(sent.delivery_id),
        "context": {"message_id": "wamid.ASLI"}}


@pytest.mark.parametrize(("status", "code", "kind"), [
    (400, 131047, PermanentFailure),  # outside the 24-hour window: needs a template
    (429, 130429, TemporaryFailure), (400, 131056, TemporaryFailure),
    (500, 1, TemporaryFailure), (401, 190, PermanentFailure)])
async def test_whatsapp_errors_are_classified_by_graph_error_code(
        status: int, code: int, kind: type[Exception]) -> None:
    error = orjson.dumps({"error": {"message": "uji", "type": "OAuthException", "code": code}})
    async with Receiver(respond=lambda n: (status, {}, error)) as receiver, \
            httpx.AsyncClient() as http:
        channel = WhatsAppChannel(http, receiver.url, "v21.0", "1", "tok")
        with pytest.raises(kind, match=str(code)):
            await channel.send(message("6281234567890"))


@pytest.mark.parametrize(("number", "digits"), [
    ("081234567890", "6281234567890"), ("+62 812-3456-7890", "6281234567890"),
    ("6281234567890", "6281234567890")])
def test_whatsapp_numbers_become_international_digits(number: str, digits: str) -> None:
    assert wa_id(number) == digits


def email_channel(port: int) -> EmailChannel:
    return EmailChannel("127.0.0.1", port, "KMC <kmc@ketapangkab.example.go.id>",
                        "tanggap.example", starttls=False, username=None, password=None,
                        timeout=5)


async def test_email_arrives_with_stable_message_id_and_auto_submitted() -> None:
    with Mailbox() as box:
        sent = message("warga@contoh.example")
        assert await email_channel(box.port).send(sent) == f"<{sent.delivery_id}@tanggap.example>"
        [mail] = await box.wait_for("warga@contoh.example")
    assert mail["Message-ID"] == f"<{sent.delivery_id}@tanggap.example>"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Subject"] == "Aduan Anda diterima"
    assert "KTP-2026-000001" in mail.get_content()


async def test_email_refused_mailbox_is_permanent_and_no_server_is_temporary() -> None:
    with Mailbox() as box:
        box.refuse("hilang@contoh.example")
        with pytest.raises(PermanentFailure, match="550"):
            await email_channel(box.port).send(message("hilang@contoh.example"))
    with pytest.raises(TemporaryFailure):
        await email_channel(free_port()).send(message("warga@contoh.example"))


class Script:
    """A send that fails as scripted, and a sleep that only records."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.slept: list[float] = []

    async def send(self) -> str:
        if self.failures:
            raise self.failures.pop(0)
        return "ok"

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


POLICY = RetryPolicy(max_attempts=4, initial=0.1, maximum=1.0, retry_after_max=60)


async def test_retries_back_off_with_jitter_and_honour_retry_after() -> None:
    script = Script(TemporaryFailure("503", retry_after=5), TemporaryFailure("timeout"))
    result, attempts = await with_retries(script.send, POLICY, sleep=script.sleep)
    assert (result, attempts) == ("ok", 3)
    assert script.slept[0] >= 5 and 0 <= script.slept[1] <= 1.0


async def test_retries_stop_after_max_attempts_with_the_last_reason() -> None:
    script = Script(*(TemporaryFailure(f"503 #{n}") for n in range(10)))
    with pytest.raises(Exhausted, match="503 #3") as exhausted:
        await with_retries(script.send, POLICY, sleep=script.sleep)
    assert exhausted.value.attempts == 4 and len(script.slept) == 3


async def test_permanent_failure_and_impossible_retry_after_are_not_retried() -> None:
    script = Script(PermanentFailure("HTTP 404"))
    with pytest.raises(Exhausted) as exhausted:
        await with_retries(script.send, POLICY, sleep=script.sleep)
    assert exhausted.value.attempts == 1 and script.slept == []
    script = Script(TemporaryFailure("429", retry_after=3600))
    with pytest.raises(Exhausted, match="exceeds") as exhausted:
        await with_retries(script.send, POLICY, sleep=script.sleep)
    assert exhausted.value.attempts == 1 and script.slept == []


async def test_a_temporary_failure_is_retried_the_same_whether_it_came_first_or_later() -> None:
    first = Script(TemporaryFailure("503"), TemporaryFailure("503"))
    assert await with_retries(first.send, POLICY, sleep=first.sleep) == ("ok", 3)
    assert len(first.slept) == 2
    calls: list[int] = []
    once = RetryPolicy(max_attempts=1)
    script = Script(TemporaryFailure("503 only"))

    async def counted() -> str:
        calls.append(1)
        return await script.send()

    with pytest.raises(Exhausted, match="503 only") as exhausted:
        await with_retries(counted, once, sleep=script.sleep)
    assert exhausted.value.attempts == 1 and calls == [1] and script.slept == []
