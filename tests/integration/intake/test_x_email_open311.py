"""X posts, raw e-mail and Open311 GeoReport v2 with the samples, on the real stack."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from schemas.intake import ComplaintReceived
from schemas.topics import NOTIFY_REQUESTS, RECEIVED
from services.intake.channels.signatures import x_digest
from tests.support.kafka import Watcher
from tests.support.processes import ServiceProcess
from tests.unit.intake.samples import OPEN311_KEY, X_SECRET, payload, raw

OPEN311_FORM = raw("open311/post.txt").split(b"\r\n\r\n", 1)[1]
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


async def call(intake: ServiceProcess, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as http:
        return await http.request(method, path, **kwargs)


async def events_of(watch: Watcher, delivery: httpx.Response) -> list[ComplaintReceived]:
    assert delivery.status_code == 200, delivery.text
    ids = {a["complaint_id"] for a in delivery.json()["accepted"]}
    found = await watch.wait_event(RECEIVED.name, lambda e: e.complaint_id in ids,
                                   count=len(ids))
    return sorted(found, key=lambda e: e.channel_message_id)  # type: ignore[return-value]


async def test_x_crc_check(intake: ServiceProcess) -> None:
    answer = await call(intake, "GET", "/v1/channels/x",
                        params={"crc_token": "a4b1c2d3-9f8e-4d7c-8b6a-5e4f3d2c1b0a"})
    assert answer.json() == {
        "response_token": "sha256=yO+jeElRS93yAFNWY41B1Hhjz1xeEb52S6xCe2fMD7M="}


async def test_x_stream_post_forwarded_with_the_adapters_key(
        intake: ServiceProcess, keys: dict[str, str], watch: Watcher) -> None:
    assert (await call(intake, "POST", "/v1/channels/x",
                       json=payload("x/tweet.json"))).status_code == 401
    delivery = await call(intake, "POST", "/v1/channels/x", json=payload("x/tweet.json"),
                          headers={"X-API-Key": keys["x"]})
    [post] = await events_of(watch, delivery)
    assert post.channel == "x" and post.channel_message_id == "2030832866161777531"
    assert post.text.startswith("@pemkab_sukamaju Pak, lampu lalu lintas di simpang empat")
    assert post.received_by == "1587340096612204545"


async def test_x_mentions_page_signed_like_an_x_webhook(intake: ServiceProcess,
                                                        watch: Watcher) -> None:
    body = raw("x/mentions.json")
    delivery = await call(intake, "POST", "/v1/channels/x", content=body,
                          headers={"x-twitter-webhooks-signature": x_digest(X_SECRET, body)})
    posts = await events_of(watch, delivery)
    assert [p.channel_message_id for p in posts] == ["2030853841879641600",
                                                     "2030857428008245740"]
    again = await call(intake, "POST", "/v1/channels/x", content=body,
                       headers={"x-twitter-webhooks-signature": x_digest(X_SECRET, body)})
    assert all(a["duplicate"] for a in again.json()["accepted"])


async def test_raw_email_is_masked_and_answered_by_email(
        intake: ServiceProcess, keys: dict[str, str], watch: Watcher) -> None:
    delivery = await call(intake, "POST", "/v1/channels/email",
                          content=raw("email/complaint.eml"),
                          headers={"X-API-Key": keys["email"], "Content-Type": "message/rfc822"})
    [mail] = await events_of(watch, delivery)
    assert mail.text.startswith("Pengaduan: Lampu penerangan jalan mati di Jl. Merdeka")
    assert mail.text.endswith("HP [telepon]") and "rina.marlina" not in mail.model_dump_json()
    assert mail.attachments[0].caption == "lampu-jl-merdeka.jpg"
    [notice] = await watch.wait_event(NOTIFY_REQUESTS.name,
                                      lambda e: e.complaint_id == mail.complaint_id)
    assert (notice.channel, notice.recipient) == ("email",  # type: ignore[attr-defined]
                                                  "rina.marlina@surel.example")
    assert notice.context["in_reply_to"] == mail.channel_message_id  # type: ignore[attr-defined]


async def test_flowed_email_and_email_auth(intake: ServiceProcess, keys: dict[str, str],
                                           watch: Watcher) -> None:
    message = raw("email/plain.eml")
    assert (await call(intake, "POST", "/v1/channels/email", content=message)).status_code \
        == 401
    assert (await call(intake, "POST", "/v1/channels/email", content=message,
                       headers={"X-API-Key": keys["web"]})).status_code == 403
    delivery = await call(intake, "POST", "/v1/channels/email", content=message,
                          headers={"X-API-Key": keys["email"]})
    [mail] = await events_of(watch, delivery)
    assert "dimintai uang Rp 50.000 untuk pengurusan Kartu Keluarga" in mail.text


async def test_open311_services_and_request_round_trip(intake: ServiceProcess,
                                                       watch: Watcher) -> None:
    services = await call(intake, "GET", "/open311/v2/services.json")
    assert [s["service_code"] for s in services.json()] == [
        s["service_code"] for s in payload("open311/services.json")]

    posted = await call(intake, "POST", "/open311/v2/requests.json", content=OPEN311_FORM,
                        headers=FORM)
    assert posted.status_code == 200, posted.text
    [answer] = posted.json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    ticket = answer["service_request_id"]
    # Tickets are unique per intake database: another test's intake on this namespace may
    # hold the same number, so the case is picked by its channel and content too.
    [received] = await watch.wait_event(RECEIVED.name, lambda e: e.ticket == ticket
                                        and e.channel == "open311"
                                        and e.category_hint == "PUPR-JALAN")
    assert received.text

    retried = await call(intake, "POST", "/open311/v2/requests.json", content=OPEN311_FORM,
                         headers=FORM)
    assert retried.json()[0]["service_request_id"] == ticket  # a client's retry, one case

    [one] = (await call(intake, "GET", f"/open311/v2/requests/{ticket}.json")).json()
    assert (one["status"], one["service_code"], one["service_name"]) == (
        "open", "PUPR-JALAN", "Jalan rusak / berlubang")
    assert (one["lat"], one["long"]) == (-1.8468391, 109.9702215)
    assert one["description"].startswith("Jalan di depan Pasar Sukamaju Hilir")
    listed = (await call(intake, "GET", "/open311/v2/requests.json",
                         params={"service_code": "PUPR-JALAN", "status": "open"})).json()
    assert ticket in [r["service_request_id"] for r in listed]


async def test_open311_refusals(intake: ServiceProcess) -> None:
    wrong_key = OPEN311_FORM.replace(OPEN311_KEY.encode(), b"tebakan")
    cases = [(wrong_key, 403), (OPEN311_FORM.replace(b"PUPR-JALAN", b"TIDAK-ADA"), 404),
             (b"api_key=" + OPEN311_KEY.encode() + b"&service_code=DLH-SAMPAH", 400)]
    for body, status in cases:
        answer = await call(intake, "POST", "/open311/v2/requests.json", content=body,
                            headers=FORM)
        assert answer.status_code == status
        assert answer.json()[0]["code"] == status and answer.json()[0]["description"]


async def test_confidential_case_is_not_listed_and_shows_no_text(
        intake: ServiceProcess, keys: dict[str, str]) -> None:
    posted = await call(intake, "POST", "/v1/complaints", headers={"X-API-Key": keys["web"]},
                        json={"channel": "web", "channel_message_id": uuid.uuid4().hex,
                              "text": "Laporan pungli oleh oknum pegawai", "confidential": True})
    ticket = posted.json()["ticket"]
    listed = (await call(intake, "GET", "/open311/v2/requests.json")).json()
    assert ticket not in [r["service_request_id"] for r in listed]
    [one] = (await call(intake, "GET", f"/open311/v2/requests/{ticket}.json")).json()
    assert one["description"] is None and one["status"] == "open"
