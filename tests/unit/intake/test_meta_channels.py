"""WhatsApp, Instagram and Facebook payloads become the right submissions, or none."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from schemas.enums import Channel
from services.intake.channels import facebook, instagram, whatsapp
from tests.unit.intake.samples import OWN_META, payload


def test_whatsapp_text_message() -> None:
    [item] = whatsapp.parse(payload("whatsapp/text.json")).submissions
    assert item.channel is Channel.WHATSAPP
    assert item.channel_message_id.startswith("wamid.HBgNNjI4MTM5MDQxNzcyNh")
    assert item.text.startswith("Assalamualaikum, saya mau lapor.")
    assert item.reporter.phone == "6281390417726" and item.reporter.name == "Rahmat Hidayatullah"
    assert item.received_by == "482913570016624"
    assert item.occurred_at is not None and int(item.occurred_at.timestamp()) == 1773018927


def test_whatsapp_statuses_open_nothing() -> None:
    parsed = whatsapp.parse(payload("whatsapp/status-only.json"))
    assert parsed.submissions == [] and parsed.ignored == 2


def _with_message(message: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(payload("whatsapp/text.json"))
    body["entry"][0]["changes"][0]["value"]["messages"] = [
        {"from": "6281390417726", "id": "wamid.X", "timestamp": "1773018927", **message}]
    return body


def test_whatsapp_image_caption_is_the_text() -> None:
    [item] = whatsapp.parse(_with_message({"type": "image", "image": {
        "id": "1234", "mime_type": "image/jpeg", "sha256": "x",
        "caption": "Sampah menumpuk di TPS Jl. Gajah Mada"}})).submissions
    assert item.text == "Sampah menumpuk di TPS Jl. Gajah Mada"
    assert item.attachments[0].kind == "image" and item.attachments[0].media_id == "1234"


def test_whatsapp_location_carries_the_point() -> None:
    [item] = whatsapp.parse(_with_message({"type": "location", "location": {
        "latitude": -1.8468, "longitude": 109.9702, "name": "Pasar Sukamaju"}})).submissions
    assert item.location is not None and (item.location.lat, item.location.lon) == (-1.8468,
                                                                                      109.9702)
    assert "Pasar Sukamaju" in item.text


@pytest.mark.parametrize("message", [
    {"type": "reaction", "reaction": {"message_id": "wamid.Y", "emoji": "👍"}},
    {"type": "reaction", "reaction": {"message_id": "wamid.Y"}},
    {"type": "unsupported", "unsupported": {"type": "poll"}},
])
def test_whatsapp_reactions_and_non_complaints_are_ignored(message: dict[str, Any]) -> None:
    parsed = whatsapp.parse(_with_message(message))
    assert parsed.submissions == [] and parsed.ignored == 1


async def _no_lookup(account: str, comment: str | None, media: str) -> dict[str, Any]:
    raise AssertionError("no lookup expected")


async def test_instagram_comment() -> None:
    parsed = await instagram.parse(payload("instagram/comment.json"), OWN_META, _no_lookup)
    [item] = parsed.submissions
    assert item.channel_message_id == "18109384756201937"
    assert item.reporter.handle == "@warga_sukamaju_hilir"
    assert item.text.startswith("Min, tolong sampaikan ke Dinas Kesehatan")


async def test_instagram_mention_text_is_read_back() -> None:
    asked: list[tuple[str, str | None, str]] = []

    async def lookup(account: str, comment: str | None, media: str) -> dict[str, Any]:
        asked.append((account, comment, media))
        return payload("instagram/mentioned-comment-lookup.json")["mentioned_comment"]

    [item] = (await instagram.parse(payload("instagram/mention.json"), OWN_META,
                                    lookup)).submissions
    assert asked == [("17841465820937461", "18061927384650219", "18233019487560126")]
    assert item.channel_message_id == "18061927384650219"
    assert item.text.startswith("@diskominfo.sukamaju ini jembatan kayu")


async def test_instagram_comment_by_our_own_account_is_ignored() -> None:
    body = copy.deepcopy(payload("instagram/comment.json"))
    body["entry"][0]["changes"][0]["value"]["from"]["id"] = "17841465820937461"
    parsed = await instagram.parse(body, OWN_META, _no_lookup)
    assert parsed.submissions == [] and parsed.ignored == 1


def test_facebook_comment_and_visitor_post() -> None:
    [comment] = facebook.parse(payload("facebook/feed-comment.json"), OWN_META).submissions
    assert comment.channel_message_id == "122143017728459_1190384726551093"
    assert comment.in_reply_to == "104857362019475_122143017728459"
    assert comment.reporter.name == "Agus Pranoto"
    [post] = facebook.parse(payload("facebook/feed-visitor-post.json"), OWN_META).submissions
    assert post.channel_message_id == "104857362019475_122143098765432101"
    assert post.text.startswith("Lapor! Sejak Senin truk pengangkut sampah")


@pytest.mark.parametrize("change", [{"verb": "hide"},
                                   {"item": "reaction"}, {"from": {"id": "104857362019475"}}])
def test_facebook_hides_reactions_and_page_replies_are_ignored(
        change: dict[str, Any]) -> None:
    body = copy.deepcopy(payload("facebook/feed-comment.json"))
    body["entry"][0]["changes"][0]["value"].update(change)
    parsed = facebook.parse(body, OWN_META)
    assert parsed.submissions == [] and parsed.ignored == 1
