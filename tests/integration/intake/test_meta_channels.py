"""WhatsApp, Instagram and Facebook webhooks with the byte-exact samples and their signatures."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import uuid
from typing import Any

import httpx

from schemas.intake import ComplaintReceived
from schemas.notifications import NotificationRequested
from schemas.topics import NOTIFY_REQUESTS, RECEIVED
from tests.integration.intake.conftest import GRAPH_TOKEN, GraphStandIn
from tests.support.kafka import Watcher
from tests.support.processes import ServiceProcess
from tests.unit.intake.samples import META_SECRET, META_VERIFY_TOKEN, payload, raw, signed_header


async def deliver(intake: ServiceProcess, channel: str, body: bytes,
                  signature: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature:
        headers["X-Hub-Signature-256"] = signature
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as http:
        return await http.post(f"/v1/channels/{channel}", content=body, headers=headers)


async def deliver_sample(intake: ServiceProcess, channel: str, sample: str) -> dict[str, Any]:
    """POST the sample's exact bytes with the signature recorded beside it."""
    answer = await deliver(intake, channel, raw(f"{sample}.json"),
                           signed_header(f"{sample}.headers"))
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def sign(body: bytes) -> str:
    return "sha256=" + hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()


def whatsapp_with(message: dict[str, Any]) -> bytes:
    body = copy.deepcopy(payload("whatsapp/text.json"))
    body["entry"][0]["changes"][0]["value"]["messages"] = [
        {"from": "6281390417726", "id": f"wamid.{uuid.uuid4().hex}", "timestamp": "1773018927",
         **message}]
    return json.dumps(body).encode()


async def received_for(watch: Watcher, delivery: dict[str, Any]) -> ComplaintReceived:
    [case] = delivery["accepted"]
    [event] = await watch.wait_event(RECEIVED.name,
                                     lambda e: e.complaint_id == case["complaint_id"])
    assert isinstance(event, ComplaintReceived)
    return event


async def notice_for(watch: Watcher, complaint_id: str) -> NotificationRequested:
    [notice] = await watch.wait_event(NOTIFY_REQUESTS.name,
                                      lambda e: e.complaint_id == complaint_id)
    assert isinstance(notice, NotificationRequested)
    return notice


async def test_whatsapp_sample_opens_one_case_and_acknowledges_on_whatsapp(
        intake: ServiceProcess, watch: Watcher) -> None:
    delivery = await deliver_sample(intake, "whatsapp", "whatsapp/text")
    received = await received_for(watch, delivery)
    assert received.channel == "whatsapp" and received.received_by == "482913570016624"
    assert received.text.startswith("Assalamualaikum, saya mau lapor. Jalan poros Desa")
    assert "6281390417726" not in received.model_dump_json()
    notice = await notice_for(watch, received.complaint_id)
    assert (notice.channel, notice.recipient) == ("whatsapp", "+6281390417726")
    assert notice.context["reply_to"] == received.channel_message_id

    redelivered = await deliver_sample(intake, "whatsapp", "whatsapp/text")  # Meta retries
    assert redelivered["accepted"] == [{**delivery["accepted"][0], "duplicate": True}]


async def test_whatsapp_delivery_statuses_open_no_case(intake: ServiceProcess) -> None:
    delivery = await deliver_sample(intake, "whatsapp", "whatsapp/status-only")
    assert delivery == {"accepted": [], "ignored": 2, "rejected": [], "changed": []}


async def test_unsigned_or_missigned_webhook_is_refused_and_opens_nothing(
        intake: ServiceProcess) -> None:
    body = raw("whatsapp/text.json")
    tampered = body.replace(b"berlubang besar", b"berlubang kecil")
    for signature in (None, signed_header("whatsapp/text.headers"), sign(body) + "00"):
        answer = await deliver(intake, "whatsapp", tampered if signature else body, signature)
        assert answer.status_code == 401, signature
    wrong_secret = "sha256=" + hmac.new(b"other", body, hashlib.sha256).hexdigest()
    assert (await deliver(intake, "instagram", raw("instagram/comment.json"),
                          wrong_secret)).status_code == 401


async def test_meta_verification_handshake(intake: ServiceProcess) -> None:
    query = {"hub.mode": "subscribe", "hub.challenge": "1735902468",
             "hub.verify_token": META_VERIFY_TOKEN}
    async with httpx.AsyncClient(base_url=intake.url) as http:
        for channel in ("whatsapp", "instagram", "facebook"):
            ok = await http.get(f"/v1/channels/{channel}", params=query)
            assert (ok.status_code, ok.text) == (200, "1735902468")
        wrong = await http.get("/v1/channels/whatsapp",
                               params=query | {"hub.verify_token": "tebakan"})
        assert wrong.status_code == 403


async def test_whatsapp_image_caption_and_location(intake: ServiceProcess,
                                                   watch: Watcher) -> None:
    image = whatsapp_with({"type": "image", "image": {
        "id": "1834", "mime_type": "image/jpeg", "sha256": "abc",
        "caption": "Sampah menumpuk di TPS, hubungi 0857 2164 0938"}})
    received = await received_for(watch, (await deliver(intake, "whatsapp", image,
                                                        sign(image))).json())
    assert received.text == "Sampah menumpuk di TPS, hubungi [telepon]"
    assert received.attachments[0].media_id == "1834"
    assert received.attachments[0].caption == received.text

    location = whatsapp_with({"type": "location", "location": {
        "latitude": -1.8468391, "longitude": 109.9702215, "name": "Pasar Sukamaju Hilir"}})
    received = await received_for(watch, (await deliver(intake, "whatsapp", location,
                                                        sign(location))).json())
    assert received.location is not None
    assert (received.location.lat, received.location.lon) == (-1.8468391, 109.9702215)


async def test_whatsapp_reaction_opens_no_case(intake: ServiceProcess) -> None:
    reaction = whatsapp_with({"type": "reaction", "reaction": {"message_id": "wamid.A",
                                                                "emoji": "\U0001f44d"}})
    answer = await deliver(intake, "whatsapp", reaction, sign(reaction))
    assert answer.json() == {"accepted": [], "ignored": 1, "rejected": [], "changed": []}


async def test_instagram_comment_is_acknowledged_under_the_comment_itself(
        intake: ServiceProcess, watch: Watcher) -> None:
    received = await received_for(watch, await deliver_sample(intake, "instagram",
                                                              "instagram/comment"))
    assert received.channel == "instagram" and received.channel_message_id == "18109384756201937"
    assert received.text.startswith("Min, tolong sampaikan ke Dinas Kesehatan")
    notice = await notice_for(watch, received.complaint_id)
    assert (notice.channel, notice.recipient) == ("instagram", "18109384756201937")
    assert notice.context["handle"] == "@warga_sukamaju_hilir"
    # If the reply cannot land (deleted comment, no token), the operators are told instead.
    assert (notice.context["fallback_channel"], notice.context["fallback_recipient"]) == (
        "webhook", "diskominfo")


async def test_instagram_mention_is_completed_from_the_graph_api(
        intake: ServiceProcess, watch: Watcher, graph: GraphStandIn) -> None:
    received = await received_for(watch, await deliver_sample(intake, "instagram",
                                                              "instagram/mention"))
    assert received.channel_message_id == "18061927384650219"
    assert received.text.startswith("@diskominfo.sukamaju ini jembatan kayu di Desa Pelang")
    path, query = graph.queries[-1]
    assert path == "/v21.0/17841465820937461" and query["access_token"] == GRAPH_TOKEN
    assert query["fields"].startswith("mentioned_comment.comment_id(18061927384650219)")


async def test_facebook_comment_and_visitor_post(intake: ServiceProcess,
                                                 watch: Watcher) -> None:
    comment = await received_for(watch, await deliver_sample(intake, "facebook",
                                                             "facebook/feed-comment"))
    assert comment.channel_message_id == "122143017728459_1190384726551093"
    assert comment.in_reply_to == "104857362019475_122143017728459"
    assert comment.text.startswith("Pak, pelayanan IGD RSUD Sukamaju")
    post = await received_for(watch, await deliver_sample(intake, "facebook",
                                                          "facebook/feed-visitor-post"))
    assert post.channel_message_id == "104857362019475_122143098765432101"
    assert post.received_by == "104857362019475"
