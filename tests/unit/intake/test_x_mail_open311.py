"""X posts, raw e-mail and Open311 forms become the right submissions, or a refusal."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from schemas.enums import Channel
from services.intake.channels import mail, open311, x
from tests.unit.intake.samples import CHANNELS, OWN_MAIL, OWN_X, payload, raw

NOW = datetime(2026, 3, 10, tzinfo=UTC)
CATALOGUE = open311.ServiceCatalogue.load(CHANNELS / "open311" / "services.json")


def test_x_stream_message() -> None:
    [item] = x.parse(payload("x/tweet.json"), OWN_X).submissions
    assert item.channel is Channel.X and item.channel_message_id == "2030832866161777531"
    assert item.reporter.handle == "@fitri_hnd" and item.reporter.name == "Fitri Handayani"
    assert item.received_by == "1587340096612204545"
    assert item.occurred_at == datetime(2026, 3, 9, 2, 27, 41, tzinfo=UTC)


def test_x_mentions_page_and_edit_key() -> None:
    page = copy.deepcopy(payload("x/mentions.json"))
    page["data"][0]["id"] = "2030857428008245999"  # an edit: new id, same first version
    page["data"][0]["edit_history_tweet_ids"].append("2030857428008245999")
    parsed = x.parse(page, OWN_X)
    assert [i.channel_message_id for i in parsed.submissions] == ["2030853841879641600"]
    [edit] = parsed.amendments  # the edit keeps the first version's key, and can open it
    assert edit.kind == "edit" and edit.target == "2030857428008245740"
    assert edit.change_id == "2030857428008245999"
    assert edit.opens is not None and edit.opens.channel_message_id == "2030857428008245740"


def test_x_geo_point_is_longitude_first_and_retweets_are_ignored() -> None:
    post = copy.deepcopy(payload("x/tweet.json"))
    post["data"]["geo"]["coordinates"] = {"type": "Point", "coordinates": [109.97, -1.84]}
    [item] = x.parse(post, OWN_X).submissions
    assert item.location is not None and (item.location.lat, item.location.lon) == (-1.84, 109.97)
    post["data"]["referenced_tweets"] = [{"type": "retweeted", "id": "1"}]
    assert x.parse(post, OWN_X).ignored == 1
    assert x.parse({"errors": [{"title": "operational-disconnect"}]}, OWN_X).ignored == 1


def test_multipart_email_takes_plain_text_and_subject() -> None:
    [item] = mail.parse(raw("email/complaint.eml"), OWN_MAIL, NOW).submissions
    assert item.channel_message_id == \
        "CAK7mX2v9qL0dT3pR8wYh5sNfB1cJ4eU6gAq7ZkLm0Q@mail.surel.example"
    assert item.text.startswith("Pengaduan: Lampu penerangan jalan mati di Jl. Merdeka\n\nYth.")
    assert item.reporter.email == "rina.marlina@surel.example"
    assert [a.caption for a in item.attachments] == ["lampu-jl-merdeka.jpg"]


def test_flowed_email_is_unwrapped() -> None:
    [item] = mail.parse(raw("email/plain.eml"), OWN_MAIL, NOW).submissions
    assert "dimintai uang Rp 50.000 untuk pengurusan" in item.text
    assert item.occurred_at == datetime(2026, 3, 9, 6, 5, 39, tzinfo=UTC)


@pytest.mark.parametrize("header", [b"Auto-Submitted: auto-replied", b"Precedence: bulk",
                                    b"X-Autoreply: yes"])
def test_auto_replies_are_ignored(header: bytes) -> None:
    message = header + b"\r\n" + raw("email/plain.eml")
    assert mail.parse(message, OWN_MAIL, NOW).ignored == 1


def test_mail_from_our_own_mailbox_is_ignored() -> None:
    message = raw("email/plain.eml").replace(b"From: Hendrik Tamba <hendrik.tamba@posel.example>",
                                             b"From: aduan@pemkab-sukamaju.example")
    assert mail.parse(message, OWN_MAIL, NOW).ignored == 1


def test_quoted_history_is_dropped() -> None:
    text = ("Belum ada tindak lanjut.\n\nPada Sen, 9 Mar 2026 pukul 10.00 Admin menulis:\n"
            "> Terima kasih")
    assert mail.strip_quoted(text) == "Belum ada tindak lanjut."


def _sample_form() -> dict[str, str]:
    body = raw("open311/post.txt").split(b"\r\n\r\n", 1)[1]
    return open311.form_fields(body)


def test_open311_form_becomes_a_submission() -> None:
    item = open311.submission(_sample_form(), CATALOGUE, "k-1")
    assert item.channel is Channel.OPEN311 and item.category_hint == "PUPR-JALAN"
    assert item.location is not None and item.location.lat == -1.8468391
    assert item.reporter.phone == "6281290337451" and item.reporter.name == "Agus Pranoto"
    assert item.text.startswith("Jalan di depan Pasar Sukamaju Hilir berlubang")
    assert item.attachments[0].url.endswith("7f1c2a9e.jpg")  # type: ignore[union-attr]
    assert open311.submission(_sample_form(), CATALOGUE, "k-1").channel_message_id == \
        item.channel_message_id  # a client's retry is the same request


@pytest.mark.parametrize(("change", "status"), [
    ({"service_code": "NOPE"}, 404), ({"service_code": ""}, 400),
    ({"lat": "", "long": "", "address_string": ""}, 400), ({"lat": "abc"}, 400),
    ({"description": "x" * 4001}, 400),
])
def test_open311_refusals_have_the_spec_status(change: dict[str, str], status: int) -> None:
    with pytest.raises(open311.Open311Error) as refused:
        open311.submission(_sample_form() | change, CATALOGUE, "k-1")
    assert refused.value.status == status
