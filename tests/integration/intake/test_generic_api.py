"""POST /v1/complaints on the real stack: ticket, masking, registry, acknowledgement, each 4xx."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx

from schemas.enums import Channel
from schemas.intake import ComplaintAcknowledged, ComplaintReceived
from schemas.notifications import NotificationRequested
from schemas.topics import ACKNOWLEDGED, NOTIFY_REQUESTS, RECEIVED
from services.intake.access.adapter_keys import create_key
from tests.support.kafka import Watcher
from tests.support.processes import ServiceProcess


def complaint(**extra: object) -> dict[str, object]:
    return {"channel": "web", "channel_message_id": f"web-{uuid.uuid4().hex}",
            "text": "Jalan berlubang di depan SDN 3. Hubungi saya di 0812-3456-7890 atau "
                    "budi.santoso@surel.example, NIK 6104012345678901.",
            "reporter": {"name": "Budi Santoso", "phone": "081234567890",
                         "email": "budi.santoso@surel.example"}, **extra}


async def post(intake: ServiceProcess, body: object, key: str | None) -> httpx.Response:
    headers = {"X-API-Key": key} if key else {}
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as http:
        return await http.post("/v1/complaints", json=body, headers=headers)


async def test_accepted_complaint_is_masked_downstream_and_contact_stays_in_registry(
        intake: ServiceProcess, keys: dict[str, str], watch: Watcher,
        intake_pool: asyncpg.Pool) -> None:
    answer = await post(intake, complaint(), keys["web"])
    assert answer.status_code == 202, answer.text
    case = answer.json()
    assert case["ticket"].startswith("KTP-2026-") and case["duplicate"] is False
    mine = lambda e: e.complaint_id == case["complaint_id"]

    [received] = await watch.wait_event(RECEIVED.name, mine)
    assert isinstance(received, ComplaintReceived) and received.ticket == case["ticket"]
    assert received.text == ("Jalan berlubang di depan SDN 3. Hubungi saya di [telepon] atau "
                             "[email], NIK [NIK].")
    wire = received.model_dump_json()
    for secret in ("0812", "81234567890", "budi.santoso", "Budi Santoso", "6104012345678901"):
        assert secret not in wire
    assert received.reporter_id and received.reporter_id.startswith("r-")

    registry = await intake_pool.fetchrow("SELECT * FROM reporters WHERE reporter_id = $1",
                                          received.reporter_id)
    assert (registry["phone"], registry["email"], registry["name"]) == (
        "+6281234567890", "budi.santoso@surel.example", "Budi Santoso")

    [ack] = await watch.wait_event(ACKNOWLEDGED.name, mine)
    assert isinstance(ack, ComplaintAcknowledged) and ack.notify_channel == "whatsapp"
    assert "81234567890" not in ack.model_dump_json()
    [notice] = await watch.wait_event(NOTIFY_REQUESTS.name, mine)
    assert isinstance(notice, NotificationRequested)
    assert (notice.channel, notice.recipient, notice.template) == (
        "whatsapp", "+6281234567890", "citizen_ack")
    assert notice.context["ticket"] == case["ticket"]

    async with httpx.AsyncClient(base_url=intake.url) as http:
        status = (await http.get(f"/v1/complaints/{case['ticket']}")).json()
    assert status["status"] == "received" and status["history"][0]["kind"] == "received"


async def test_anonymous_reporters_name_is_masked_in_the_text(
        intake: ServiceProcess, keys: dict[str, str], watch: Watcher) -> None:
    body = complaint(anonymous=True, text="Saya Budi Santoso melapor pungli di kantor desa.")
    case = (await post(intake, body, keys["web"])).json()
    [received] = await watch.wait_event(RECEIVED.name,
                                        lambda e: e.complaint_id == case["complaint_id"])
    assert received.text == "Saya [nama] melapor pungli di kantor desa."
    assert received.anonymous is True and received.reporter_id is None


async def test_missing_or_unknown_key_is_401(intake: ServiceProcess) -> None:
    assert (await post(intake, complaint(), None)).status_code == 401
    refused = await post(intake, complaint(), "tgk_not-a-key")
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]


async def test_key_of_another_channel_is_403(intake: ServiceProcess,
                                             keys: dict[str, str]) -> None:
    refused = await post(intake, complaint(channel="whatsapp"), keys["web"])
    assert refused.status_code == 403 and "bound to channel 'web'" in refused.json()["detail"]


async def test_unknown_and_invalid_fields_are_422_naming_the_field(
        intake: ServiceProcess, keys: dict[str, str]) -> None:
    unknown = await post(intake, complaint(colour="red"), keys["web"])
    assert unknown.status_code == 422
    assert [e["loc"] for e in unknown.json()["detail"]] == [["body", "colour"]]
    invalid = await post(intake, complaint(channel="fax"), keys["web"])
    assert invalid.status_code == 422 and invalid.json()["detail"][0]["loc"] == ["body", "channel"]
    empty = await post(intake, complaint(text=""), keys["web"])
    assert empty.json()["detail"][0]["loc"] == ["body", "text"]


async def test_body_over_the_limit_is_413_with_or_without_content_length(
        intake: ServiceProcess, keys: dict[str, str]) -> None:
    big = b'{"text": "' + b"x" * (70 * 1024) + b'"}'

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 8192):
            yield big[start:start + 8192]

    headers = {"X-API-Key": keys["web"], "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as http:
        sized = await http.post("/v1/complaints", content=big, headers=headers)
        chunked = await http.post("/v1/complaints", content=chunks(), headers=headers)
    assert sized.status_code == 413
    assert chunked.status_code == 413 and chunked.request.headers.get("transfer-encoding") \
        == "chunked"


async def test_adapter_over_its_rate_gets_429_with_retry_after(
        intake: ServiceProcess, intake_pool: asyncpg.Pool) -> None:
    _, slow = await create_key(intake_pool, Channel.WEB, "slow-form", 0.2, 2)
    answers = [await post(intake, complaint(), slow) for _ in range(3)]
    assert [a.status_code for a in answers] == [202, 202, 429]
    assert int(answers[2].headers["Retry-After"]) >= 1


async def test_unknown_ticket_is_404(intake: ServiceProcess) -> None:
    async with httpx.AsyncClient(base_url=intake.url) as http:
        assert (await http.get("/v1/complaints/KTP-1999-999999")).status_code == 404
