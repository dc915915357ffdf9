"""WhatsApp media: what is scheduled, Meta's answer checked, the two-step download, the event."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import ValidationError

from schemas.enums import Channel
from schemas.intake import Attachment, ComplaintReceived, ComplaintSubmission
from services.intake.enrichment import media
from services.intake.enrichment.media_job import media_event, with_stored
from services.intake.http.media import Reader, headers_for
from services.intake.settings import IntakeSettings

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PHOTO = b"\xff\xd8\xff\xe0 foto jalan berlubang"
DIGEST = hashlib.sha256(PHOTO).hexdigest()
ALLOWED = set(IntakeSettings.model_fields["intake_media_types"].default)


def submission(channel: Channel = Channel.WHATSAPP, *media_ids: str) -> ComplaintSubmission:
    return ComplaintSubmission(channel=channel, channel_message_id="wamid.M", text="[foto]",
                               attachments=[{"kind": "image", "media_id": m} for m in media_ids])


def test_each_whatsapp_media_id_is_one_download() -> None:
    [download] = media.downloads_for(submission(Channel.WHATSAPP, "9001", "9001"))
    assert (download.lookup, download.item) == ("whatsapp_media", "9001")
    assert download.params == {"media_id": "9001", "kind": "image"}
    assert media.downloads_for(submission(Channel.FACEBOOK, "9001")) == ()
    link = ComplaintSubmission(channel=Channel.WHATSAPP, channel_message_id="w", text="t",
                               attachments=[{"kind": "link", "url": "https://x.example"}])
    assert media.downloads_for(link) == ()


def test_a_submission_cannot_claim_stored_media() -> None:
    with pytest.raises(ValidationError, match="set by intake"):
        ComplaintSubmission(channel=Channel.WEB, channel_message_id="w-1", text="t",
                            attachments=[{"kind": "image", "stored": True, "sha256": DIGEST}])


def test_sha256_is_read_as_hex_or_as_the_webhooks_base64() -> None:
    assert media.hex_digest(DIGEST.upper()) == DIGEST
    assert media.hex_digest(base64.b64encode(bytes.fromhex(DIGEST)).decode()) == DIGEST
    assert media.hex_digest("not-a-digest") is None and media.hex_digest(7) is None


def answer(**over: object) -> dict[str, object]:
    return {"messaging_product": "whatsapp", "url": "https://lookaside.example/m?mid=1",
            "mime_type": "image/jpeg", "sha256": DIGEST, "file_size": str(len(PHOTO)),
            "id": "9001", **over}


def test_meta_answer_is_checked_before_any_download() -> None:
    info = media.media_info(answer(mime_type="audio/ogg; codecs=opus"), ALLOWED, 1000)
    assert info.mime_type == "audio/ogg; codecs=opus" and info.size == len(PHOTO)
    with pytest.raises(media.MediaRefused, match="'image/svg\\+xml' is not one intake keeps"):
        media.media_info(answer(mime_type="image/svg+xml"), ALLOWED, 1000)
    with pytest.raises(media.MediaRefused, match="over the cap of 10"):
        media.media_info(answer(), ALLOWED, 10)
    with pytest.raises(media.MediaFailed, match="no download url"):
        media.media_info(answer(url=None), ALLOWED, 1000)
    with pytest.raises(media.MediaFailed, match="sha256"):
        media.media_info(answer(sha256="zz"), ALLOWED, 1000)


def test_bytes_that_are_not_what_meta_announced_are_a_failed_attempt() -> None:
    info = media.media_info(answer(), ALLOWED, 1000)
    assert media.checked(PHOTO, info) == DIGEST
    with pytest.raises(media.MediaFailed, match="bytes where Meta announced"):
        media.checked(PHOTO[:-1], info)
    with pytest.raises(media.MediaFailed, match="sha256 mismatch"):
        media.checked(PHOTO[:-1] + b"!", info)


Route = Callable[[httpx.Request], httpx.Response]


async def fetch(route: Route, max_bytes: int = 1000) -> media.Downloaded:
    async with httpx.AsyncClient(transport=httpx.MockTransport(route)) as http:
        return await media.download(http, "https://graph.example/v21.0/", "tok", "9001",
                                    ALLOWED, max_bytes, ("lookaside.example",))


async def test_download_asks_for_a_fresh_url_then_fetches_it_with_the_same_bearer() -> None:
    seen: list[tuple[str, str | None]] = []

    def route(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), request.headers.get("authorization")))
        if request.url.host == "graph.example":
            return httpx.Response(200, json=answer())
        return httpx.Response(200, content=PHOTO)

    got = await fetch(route)
    assert got.content == PHOTO and got.sha256 == DIGEST
    assert seen == [("https://graph.example/v21.0/9001", "Bearer tok"),
                    ("https://lookaside.example/m?mid=1", "Bearer tok")]


@pytest.mark.parametrize(("graph", "url", "error"), [
    (500, 200, "Graph API answered 500"),
    (200, 404, "media url answered 404"),
    (200, 401, "media url answered 401"),
    (200, "timeout", "ReadTimeout"),
    ("not json", 200, "not JSON"),
])
async def test_failed_attempts_are_retried_not_refused(graph: object, url: object,
                                                       error: str) -> None:
    def route(request: httpx.Request) -> httpx.Response:
        if request.url.host == "graph.example":
            if graph == "not json":
                return httpx.Response(200, content=b"<html>")
            return httpx.Response(int(str(graph)), json=answer())
        if url == "timeout":
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(int(str(url)), content=PHOTO)

    with pytest.raises(media.MediaFailed, match=error):
        await fetch(route)


async def test_a_body_over_the_cap_is_refused_without_reading_it_all() -> None:
    def route(request: httpx.Request) -> httpx.Response:
        if request.url.host == "graph.example":
            return httpx.Response(200, json=answer(file_size=None))
        return httpx.Response(200, content=PHOTO * 100)

    with pytest.raises(media.MediaRefused, match="over the cap|more than the cap"):
        await fetch(route, max_bytes=len(PHOTO) * 10)


def received() -> ComplaintReceived:
    return ComplaintReceived(complaint_id="c-9", ticket="KTP-2026-000009",
                             channel=Channel.WHATSAPP, channel_message_id="wamid.M",
                             text="[foto tanpa keterangan]",
                             attachments=(Attachment(kind="image", media_id="9001"),
                                          Attachment(kind="link", url="https://a.example")))


def test_the_event_names_the_stored_media_and_keeps_the_text() -> None:
    stored = {"9001": (DIGEST, "image/jpeg", len(PHOTO))}
    event = media_event(received(), "teks kini", "9001", stored, "ketapang", NOW)
    assert event.lookup == "whatsapp_media" and event.text == "teks kini"
    photo, link = event.attachments
    assert (photo.sha256, photo.mime_type, photo.size, photo.stored) == (
        DIGEST, "image/jpeg", len(PHOTO), True)
    assert link == received().attachments[1]
    again = media_event(received(), "teks kini", "9001", stored, "ketapang", NOW)
    assert again.event_id == event.event_id  # a repeat is recognised
    other = media_event(received(), "teks kini", "9002", stored, "ketapang", NOW)
    assert other.event_id != event.event_id
    assert with_stored(received().attachments, {}) == received().attachments


def test_media_is_for_operators_and_the_holding_agency_only() -> None:
    assert Reader(operator="siti").may_read(None)
    assert Reader(agency="dinas-pupr").may_read("dinas-pupr")
    assert not Reader(agency="dishub").may_read("dinas-pupr")
    assert not Reader(agency="dishub").may_read(None)


def test_media_is_never_cached_sniffed_or_run() -> None:
    photo = headers_for("KTP-1", DIGEST, "image/jpeg")
    assert photo["Cache-Control"] == "private, no-store" and "Content-Disposition" not in photo
    assert photo["X-Content-Type-Options"] == "nosniff"
    pdf = headers_for("KTP-1", DIGEST, "application/pdf")
    assert pdf["Content-Disposition"] == f'attachment; filename="KTP-1-{DIGEST[:12]}.pdf"'


def test_a_download_url_off_metas_hosts_is_refused() -> None:
    hosts = ("fbsbx.com", "graph.facebook.com")
    media.check_host("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1", hosts)
    media.check_host("https://graph.facebook.com/v21.0/9001", hosts)
    for url in ("https://fbsbx.com.evil.example/m", "https://evilfbsbx.com/m",
                "http://169.254.169.254/latest/meta-data/"):
        with pytest.raises(media.MediaRefused, match="not one of Meta's"):
            media.check_host(url, hosts)
