"""Replies where the citizen spoke: vendor request formats, their errors, and the fallback."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs

import httpx
import orjson
import pytest

from schemas.enums import NotificationChannel
from services.notifier.channel import (
    Channel,
    Message,
    PermanentFailure,
    ReplyImpossible,
    TemporaryFailure,
)
from services.notifier.contacts import Destination
from services.notifier.fallback import FallbackChannel, NotConfigured
from services.notifier.graph import GraphReplyChannel
from services.notifier.settings import WhatsAppTemplate
from services.notifier.tiktok import TikTokReplyChannel
from services.notifier.whatsapp import WhatsAppChannel
from services.notifier.x_reply import XReplyChannel

Answer = tuple[int, dict[str, str], dict[str, object]]


class Vendor:
    """A recording stand-in for one vendor API: answers each request from a script."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def client(self) -> httpx.AsyncClient:
        def handle(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            status, headers, body = self.answers.pop(0) if self.answers else (200, {}, {})
            return httpx.Response(status, headers=headers, content=orjson.dumps(body))

        return httpx.AsyncClient(transport=httpx.MockTransport(handle))


def message(address: str, body: str = "*Tanggapan: KTP-2026-000001*\n\"Sudah ditambal.\"",
            **extra: object) -> Message:
    return Message(delivery_id=uuid.uuid4(), address=address, subject="s", body=body,
                   document=b'{"text": "t"}', **extra)  # type: ignore[arg-type]


def graph_error(code: int, subcode: int | None = None) -> Answer:
    error: dict[str, object] = {"message": "boom", "type": "OAuthException", "code": code}
    if subcode:
        error["error_subcode"] = subcode
    return 400, {}, {"error": error}


async def test_instagram_reply_goes_under_the_comment() -> None:
    vendor = Vendor((200, {}, {"id": "17999"}))
    channel = GraphReplyChannel(NotificationChannel.INSTAGRAM, vendor.client(),
                                "https://graph.test", "v21.0", "tok")
    assert await channel.send(message("18109384756201937")) == "17999"
    [request] = vendor.requests
    assert request.url.path == "/v21.0/18109384756201937/replies"
    assert request.headers["Authorization"] == "Bearer tok"
    assert "Sudah ditambal" in parse_qs(request.content.decode())["message"][0]


async def test_facebook_reply_nests_under_the_comment_or_post() -> None:
    vendor = Vendor((200, {}, {"id": "1_2"}))
    channel = GraphReplyChannel(NotificationChannel.FACEBOOK, vendor.client(),
                                "https://graph.test", "v21.0", "page")
    await channel.send(message("123456_789"))
    assert vendor.requests[0].url.path == "/v21.0/123456_789/comments"


@pytest.mark.parametrize(("answer", "failure"), [
    (graph_error(100, 33), ReplyImpossible),  # deleted comment
    (graph_error(190), ReplyImpossible),  # expired token
    (graph_error(10), ReplyImpossible),  # no permission
    (graph_error(4), TemporaryFailure),  # application rate limit
    (graph_error(100), PermanentFailure),
    ((500, {}, {}), TemporaryFailure),
])
async def test_graph_errors_mean_retry_fallback_or_give_up(answer: Answer,
                                                           failure: type[Exception]) -> None:
    channel = GraphReplyChannel(NotificationChannel.INSTAGRAM, Vendor(answer).client(),
                                "https://graph.test", "v21.0", "tok")
    with pytest.raises(failure) as raised:
        await channel.send(message("1810"))
    assert type(raised.value) is failure


async def test_x_reply_is_one_post_in_reply_to_the_citizens() -> None:
    vendor = Vendor((201, {}, {"data": {"id": "1791", "text": "t"}}))
    channel = XReplyChannel(vendor.client(), "https://api.x.test", "user-token")
    assert await channel.send(message("1790000000000000001", body="kata " * 200)) == "1791"
    payload = orjson.loads(vendor.requests[0].content)
    assert payload["reply"] == {"in_reply_to_tweet_id": "1790000000000000001"}
    assert len(payload["text"]) <= 280 and "*" not in payload["text"]


async def test_x_rate_limit_waits_for_the_reset_and_403_means_another_way() -> None:
    limited = XReplyChannel(Vendor((429, {"x-rate-limit-reset": "4102444800"},
                                    {"title": "Too Many Requests"})).client(), "https://x", "t")
    with pytest.raises(TemporaryFailure) as raised:
        await limited.send(message("17"))
    assert raised.value.retry_after and raised.value.retry_after > 0
    gone = XReplyChannel(Vendor((403, {}, {
        "detail": "You attempted to reply to a Tweet that is deleted or not visible to you.",
        "title": "Forbidden"})).client(), "https://x", "t")
    with pytest.raises(ReplyImpossible, match="deleted"):
        await gone.send(message("17"))


async def test_tiktok_reply_names_video_and_comment_and_reads_the_envelope() -> None:
    vendor = Vendor((200, {}, {"code": 0, "message": "OK", "request_id": "r",
                               "data": {"comment_id": "7301"}}))
    channel = TikTokReplyChannel(vendor.client(), "https://tiktok.test", "biz-1", "tok")
    assert await channel.send(message("7290000000000000001:7300")) == "7301"
    request = vendor.requests[0]
    assert request.url.path == "/open_api/v1.3/business/comment/reply/create/"
    assert request.headers["Access-Token"] == "tok"
    payload = orjson.loads(request.content)
    assert (payload["business_id"], payload["video_id"], payload["comment_id"]) == (
        "biz-1", "7290000000000000001", "7300")
    assert len(payload["text"]) <= 150


@pytest.mark.parametrize(("code", "text", "failure"), [
    (40100, "Too many requests", TemporaryFailure),
    (40105, "Access token is invalid", ReplyImpossible),
    (40002, "The comment does not exist", ReplyImpossible),
    (40002, "Invalid parameter", PermanentFailure),
])
async def test_tiktok_error_codes(code: int, text: str, failure: type[Exception]) -> None:
    channel = TikTokReplyChannel(Vendor((200, {}, {"code": code, "message": text})).client(),
                                 "https://tiktok.test", "biz-1", "tok")
    with pytest.raises(failure) as raised:
        await channel.send(message("1:2"))
    assert type(raised.value) is failure
    with pytest.raises(ReplyImpossible):  # the fallback reaches the citizen another way
        await channel.send(message("no-video-id"))


async def test_whatsapp_outside_the_window_sends_the_approved_template() -> None:
    vendor = Vendor((400, {}, {"error": {"code": 131047, "message": "Re-engagement message"}}),
                    (200, {}, {"messages": [{"id": "wamid.T"}]}))
    templates = {"citizen_answer": WhatsAppTemplate(
        name="tanggapan_aduan", parameters=["ticket", "agency_name", "body"])}
    channel = WhatsAppChannel(vendor.client(), "https://graph.test", "v21.0", "pn", "tok",
                              templates)
    sent = message("081234567890", template="citizen_answer",
                   context={"ticket": "KTP-2026-000001", "agency_name": "Dinas PUPR"})
    assert await channel.send(sent) == "wamid.T"
    first, second = (orjson.loads(r.content) for r in vendor.requests)
    assert first["type"] == "text" and second["type"] == "template"
    template = second["template"]
    assert template["name"] == "tanggapan_aduan" and template["language"] == {"code": "id"}
    values = [p["text"] for p in template["components"][0]["parameters"]]
    assert values[:2] == ["KTP-2026-000001", "Dinas PUPR"]
    assert "\n" not in values[2] and "Sudah ditambal" in values[2]


async def test_whatsapp_outside_the_window_without_a_template_needs_another_way() -> None:
    vendor = Vendor((400, {}, {"error": {"code": 131047, "message": "Re-engagement"}}))
    channel = WhatsAppChannel(vendor.client(), "https://graph.test", "v21.0", "pn", "tok")
    with pytest.raises(ReplyImpossible):
        await channel.send(message("081234567890", template="citizen_ack"))


class Recording(Channel):
    def __init__(self, name: NotificationChannel) -> None:
        self.name = name
        self.sent: list[Message] = []

    async def send(self, message: Message) -> str | None:
        self.sent.append(message)
        return f"{self.name}-id"


def desk(code: str) -> Destination:
    return Destination(f"http://127.0.0.1:8099/hooks/{code}", f"{code}:agency", trusted=True)


async def test_deleted_comment_reaches_the_citizen_on_whatsapp_instead() -> None:
    whatsapp = Recording(NotificationChannel.WHATSAPP)
    primary = GraphReplyChannel(NotificationChannel.INSTAGRAM,
                                Vendor(graph_error(100, 33)).client(), "https://g", "v21.0", "t")
    channel = FallbackChannel(primary, {NotificationChannel.WHATSAPP: whatsapp}, desk)
    sent = message("1810", fallback=(NotificationChannel.WHATSAPP, "+6281234567890"))
    assert await channel.send(sent) == "fallback:whatsapp:whatsapp-id"
    assert whatsapp.sent[0].address == "+6281234567890" and whatsapp.sent[0].reply_to is None


async def test_unconfigured_platform_hands_the_reply_to_the_operators_with_the_reason() -> None:
    webhook = Recording(NotificationChannel.WEBHOOK)
    channel = FallbackChannel(NotConfigured(NotificationChannel.TIKTOK),
                              {NotificationChannel.WEBHOOK: webhook}, desk)
    sent = message("1:2", fallback=(NotificationChannel.WEBHOOK, "diskominfo"),
                   context={"handle": "@warga"})
    assert (await channel.send(sent) or "").startswith("fallback:webhook")
    [note] = webhook.sent
    assert note.address.endswith("/hooks/diskominfo") and note.trusted_address
    assert "tiktok kepada @warga" in note.body and "no tiktok account" in note.body
    assert orjson.loads(note.document)["fallback_reason"] == "no tiktok account is configured"


async def test_no_fallback_means_the_failure_stands() -> None:
    channel = FallbackChannel(NotConfigured(NotificationChannel.X), {}, desk)
    with pytest.raises(ReplyImpossible):
        await channel.send(message("17"))
