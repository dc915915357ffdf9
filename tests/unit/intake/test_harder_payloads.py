"""Harder payloads than the samples: batches, escaped unicode, edits, revokes, removals,
mentions whose look-up fails, malformed items among good ones, Open311 form answers."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from schemas.enums import Channel
from services.intake.channels import facebook, instagram, open311, whatsapp, x
from services.intake.enrichment.backoff import next_attempt
from tests.unit.intake.samples import CHANNELS, OWN_META, OWN_X, payload

SERVICES = open311.ServiceCatalogue.load(CHANNELS.parent / "open311-services.json")
NOW = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


# -- X: the issue's 500 and other odd shapes ---------------------------------------------------

@pytest.mark.parametrize("media_keys", [7, True, {"k": ["3_1"]}, 1.5, None, "3_1"])
def test_x_post_with_malformed_media_keys_is_read_not_a_server_error(media_keys: Any) -> None:
    # Regression for issue 16: `data` with nested non-string values made x.parse raise.
    post = copy.deepcopy(payload("x/tweet.json"))
    post["data"]["attachments"] = {"media_keys": media_keys, "": {"0": [None]}}
    parsed = x.parse(post, OWN_X)
    assert len(parsed.submissions) == 1 and parsed.submissions[0].attachments == ()


def test_x_fuzz_find_of_issue_16_is_refused_alone() -> None:
    # The shrunk example schemathesis saved (tests/data/fuzz-examples): a 500 before the fix.
    parsed = x.parse({"data": [{"attachments": {"media_keys": 10092}}],
                      "includes": {"users": [{"id": []}, {"id": []}]}}, OWN_X)
    assert parsed.submissions == [] and len(parsed.rejected) == 1


@pytest.mark.parametrize("data", [
    {"": {"id": [1, {"x": None}]}, "id": {"nested": 1}, "text": ["a"]},
    {"id": "1", "text": "ok", "edit_history_tweet_ids": [{"a": 1}, 5], "geo": [1, 2]},
    {"id": "2", "text": "ok", "referenced_tweets": "replied_to", "entities": {"mentions": 3}},
    {"id": "3", "text": "ok", "geo": {"place_id": ["p"], "coordinates": {"coordinates": "a"}}},
])
def test_x_odd_keys_and_nested_values_never_raise(data: dict[str, Any]) -> None:
    parsed = x.parse({"data": data, "includes": {"users": [{"id": {"a": 1}}], "places": 5}},
                     OWN_X)
    assert len(parsed.submissions) + len(parsed.rejected) + parsed.ignored >= 1


def test_x_page_with_one_bad_post_keeps_the_others() -> None:
    page = copy.deepcopy(payload("x/mentions.json"))
    good = len(x.parse(page, OWN_X).submissions)
    page["data"].insert(0, {"id": "9", "text": "x", "author_id": "5",
                            "attachments": {"media_keys": 3}})
    page["data"].insert(1, {"id": {"bad": 1}, "text": None})
    parsed = x.parse(page, OWN_X)
    assert len(parsed.submissions) == good + 1 and len(parsed.rejected) == 1


def test_x_post_with_only_a_place_is_located_at_its_centre() -> None:
    post = copy.deepcopy(payload("x/tweet.json"))
    post["data"]["geo"] = {"place_id": "01a9a39529b27f36"}
    post["includes"]["places"] = [{"id": "01a9a39529b27f36", "full_name": "Sukamaju, Kalbar",
                                   "geo": {"type": "Feature", "bbox": [109.9, -1.9, 110.0, -1.8]}}]
    [item] = x.parse(post, OWN_X).submissions
    assert item.location is not None
    assert (round(item.location.lat, 3), round(item.location.lon, 3)) == (-1.85, 109.95)
    assert item.location.address == "Sukamaju, Kalbar"


def test_x_edit_with_escaped_unicode_updates_the_first_version() -> None:
    line = (b'{"data":{"id":"22","text":"Jalan rusak \\u2014 sudah 3 bulan \\ud83d\\ude21",'
            b'"author_id":"77","edit_history_tweet_ids":["11","22"],'
            b'"created_at":"2026-03-09T03:00:00.000Z"},"includes":{"users":[{"id":"77",'
            b'"name":"W\\u00e1rga","username":"warga1"}]}}')
    [edit] = x.parse(orjson.loads(line), OWN_X).amendments
    assert edit.target == "11" and edit.change_id == "22"
    assert edit.text == "Jalan rusak \u2014 sudah 3 bulan \U0001F621"
    assert edit.opens is not None and edit.opens.reporter.name == "W\u00e1rga"


# -- WhatsApp: a batch with edits, revokes and a broken message --------------------------------

def _wa_batch(*messages: dict[str, Any]) -> dict[str, Any]:
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "6281120240112",
                          "phone_number_id": "482913570016624"},
             "contacts": [{"wa_id": "6281390417726", "profile": {"name": "Rahmat"}}],
             "messages": [{"from": "6281390417726", "timestamp": "1773018927", **m}
                          for m in messages]}
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "319028847120553", "changes": [{"field": "messages",
                                                             "value": value}]},
                      {"id": "287465019283746", "changes": [{"field": "account_update",
                                                             "value": {}}]}]}


def test_whatsapp_batch_with_edit_revoke_and_a_broken_item() -> None:
    raw = json.dumps(_wa_batch(
        {"id": "wamid.A", "type": "text", "text": {"body": "Lampu jalan mati \u2014 Jl. Merdeka"}},
        {"id": "wamid.B", "type": "edit", "edit": {"original_message_id": "wamid.A", "message": {
            "type": "text", "text": {"body": "Lampu jalan mati di Jl. Merdeka No. 5"}}}},
        {"id": "wamid.C", "type": "revoke", "revoke": {"original_message_id": "wamid.Z"}},
        {"id": "wamid.D", "type": "text", "text": 5},
        {"id": "wamid.E", "type": "image", "image": {"id": "m1", "caption": {"x": 1}}},
    ), ensure_ascii=True).encode()  # Meta escapes non-ASCII as \\uXXXX
    parsed = whatsapp.parse(orjson.loads(raw))
    assert [s.channel_message_id for s in parsed.submissions] == ["wamid.A", "wamid.E"]
    assert parsed.submissions[0].text == "Lampu jalan mati \u2014 Jl. Merdeka"
    edit, revoke = parsed.amendments
    assert (edit.kind, edit.target, edit.change_id) == ("edit", "wamid.A", "wamid.B")
    assert edit.text == "Lampu jalan mati di Jl. Merdeka No. 5"
    assert edit.opens is not None and edit.opens.channel_message_id == "wamid.A"
    assert (revoke.kind, revoke.target, revoke.reason) == ("withdraw", "wamid.Z", "revoke")
    assert parsed.ignored == 2  # the text without a body, the account_update change


def test_whatsapp_revoke_without_original_is_refused_alone() -> None:
    parsed = whatsapp.parse(_wa_batch({"id": "wamid.C", "type": "revoke", "revoke": {}}))
    assert parsed.amendments == [] and len(parsed.rejected) == 1


# -- Facebook and Instagram: edits, removals, mentions whose look-up fails ---------------------

def test_facebook_edited_and_removed_comments_are_amendments() -> None:
    body = copy.deepcopy(payload("facebook/feed-comment.json"))
    change = body["entry"][0]["changes"][0]
    edited = copy.deepcopy(change)
    edited["value"].update(verb="edited", message="Koreksi: lubang di depan SDN 3")
    removed = copy.deepcopy(change)
    removed["value"] = {"item": "comment", "verb": "remove",
                        "comment_id": change["value"]["comment_id"],
                        "post_id": change["value"]["post_id"], "created_time": 1773039000}
    body["entry"][0]["changes"] = [edited, removed, {"field": "feed", "value": ["odd"]}]
    parsed = facebook.parse(body, OWN_META)
    edit, remove = parsed.amendments
    assert edit.kind == "edit" and edit.text == "Koreksi: lubang di depan SDN 3"
    assert edit.target == change["value"]["comment_id"] and edit.opens is not None
    assert remove.kind == "withdraw" and remove.reason == "remove"
    assert parsed.submissions == []


async def _failing(account: str, comment_id: str | None, media_id: str) -> dict[str, Any]:
    raise instagram.LookupFailed("graph api: 500")


async def test_instagram_mention_with_failing_lookup_is_kept_with_its_neighbour() -> None:
    body = {"object": "instagram", "entry": [{"id": "17841465820937461", "time": 1773018927,
            "changes": [
                {"field": "mentions", "value": {"media_id": "1801", "comment_id": "1802"}},
                {"field": "comments", "value": {"id": "1803", "text": "Sampah \u26a0\ufe0f",
                                                "from": {"id": "55", "username": "warga"},
                                                "media": {"id": "1801"}}},
                {"field": "comments", "value": {"id": "1804", "verb": "edited",
                                                "text": "Sampah sudah 5 hari",
                                                "from": {"id": "55", "username": "warga"}}},
                {"field": "comments", "value": {"id": "1805", "deleted": True}}]}]}
    parsed = await instagram.parse(body, OWN_META, _failing)
    mention, comment = parsed.submissions
    assert mention.channel_message_id == "1802" and mention.text == instagram.NO_TEXT
    assert parsed.deferred["1802"].lookup == instagram.MENTION_LOOKUP
    assert parsed.deferred["1802"].params["comment_id"] == "1802"
    assert comment.text == "Sampah \u26a0\ufe0f"
    edit, delete = parsed.amendments
    assert edit.kind == "edit" and edit.target == "1804"
    assert delete.kind == "withdraw" and delete.target == "1805"


def test_mention_content_reads_the_lookup_answer() -> None:
    found = payload("instagram/mentioned-comment-lookup.json")["mentioned_comment"]
    content = instagram.mention_content(found)
    assert content["text"] and content["timestamp"] is not None


# -- Open311: answers, line ends, anonymity, the order of checks ------------------------------

def _form(body: str) -> open311.Form:
    return open311.parse_form(body.encode())


def test_open311_attributes_multi_values_crlf_and_anonymity() -> None:
    form = _form("api_key=k&service_code=PUPR-DRAINASE&lat=-1.85&long=109.97"
                 "&attribute%5BJENIS%5D%5B%5D=got&attribute%5BJENIS%5D%5B%5D=gorong"
                 "&attribute[TINGGI_AIR]=2&attribute%5BPATOKAN%5D=Depan+masjid%0D%0Araya"
                 "&description=Air+naik%0D%0Asampai+jalan%0D%0A%0D%0ATolong")
    item = open311.submission(form.fields, SERVICES, "k-1", form.attributes)
    assert item.text.startswith("Air naik\nsampai jalan\n\nTolong")
    assert "\r" not in item.text
    assert "- Apa yang tersumbat?: Got / selokan, Gorong-gorong" in item.text
    answers = {a.code: a for a in item.attributes}
    assert answers["JENIS"].values == ("Got / selokan", "Gorong-gorong")
    assert answers["TINGGI_AIR"].values == ("Selutut",) and answers["PATOKAN"].values == (
        "Depan masjid\nraya",)
    assert item.anonymous is True


def test_open311_with_any_contact_is_not_anonymous() -> None:
    form = _form("service_code=PUPR-JALAN&address_string=Jl.+A&device_id=d-1")
    assert open311.submission(form.fields, SERVICES, "k-1").anonymous is False


@pytest.mark.parametrize("body,status", [
    ("service_code=NOPE", 400),  # no location is checked before the unknown code
    ("service_code=NOPE&address_id=77", 404),
    ("lat=1&long=2", 400),
])
def test_open311_checks_location_before_the_service_code(body: str, status: int) -> None:
    with pytest.raises(open311.Open311Error) as refused:
        open311.submission(_form(body).fields, SERVICES, "k-1")
    assert refused.value.status == status


def test_open311_same_form_with_other_answers_is_another_request() -> None:
    base = "service_code=PUPR-DRAINASE&address_id=7&attribute[JENIS][]="
    one, two = _form(base + "got"), _form(base + "parit")
    assert open311.submission(one.fields, SERVICES, "k", one.attributes).channel_message_id \
        != open311.submission(two.fields, SERVICES, "k", two.attributes).channel_message_id


# -- Backoff of deferred look-ups ----------------------------------------------------------

def test_lookup_backoff_doubles_up_to_a_cap_and_gives_up() -> None:
    delays = [next_attempt(n, NOW, 30, 600, 8) for n in range(1, 10)]
    seconds = [(d - NOW).total_seconds() if d else None for d in delays]
    assert seconds == [30, 60, 120, 240, 480, 600, 600, None, None]
    assert next_attempt(0, NOW, 30, 600, 8) == NOW + timedelta(seconds=30)


def test_channels_enum_has_tiktok_and_media() -> None:
    assert Channel.TIKTOK.value == "tiktok" and Channel.MEDIA.value == "media"


# -- E-mail: a correction in the citizen's own thread ------------------------------------------

def _mail(message_id: str, subject: str, body: str, reply_to: str | None = None,
          sender: str = "warga@surel.example") -> bytes:
    headers = [f"From: Warga <{sender}>", "To: aduan@pemkab-sukamaju.example",
               f"Subject: {subject}", f"Message-ID: <{message_id}>",
               "Date: Mon, 09 Mar 2026 08:00:00 +0700", "Content-Type: text/plain; charset=utf-8"]
    if reply_to:
        headers += [f"In-Reply-To: <{reply_to}>", f"References: <{reply_to}>"]
    return ("\r\n".join(headers) + "\r\n\r\n" + body + "\r\n").encode()


def test_mail_correction_in_the_same_thread_is_an_edit() -> None:
    from services.intake.channels import mail

    raw = _mail("b@x", "Ralat: Re: Jalan rusak", "Maaf, lokasinya Jl. Ahmad Yani.\r\n"
                "\r\nPada Senin, Warga menulis:\r\n> Jalan rusak di Jl. Merdeka", "a@x")
    parsed = mail.parse(raw, {"aduan@pemkab-sukamaju.example"}, NOW)
    [edit] = parsed.amendments
    assert (edit.target, edit.change_id) == ("a@x", "b@x") and parsed.submissions == []
    assert edit.text is not None and "Jl. Ahmad Yani" in edit.text and ">" not in edit.text
    assert edit.reporter_identity == "mailto:warga@surel.example"
    plain_reply = mail.parse(_mail("c@x", "Re: Jalan rusak", "Terima kasih", "a@x"), set(), NOW)
    assert plain_reply.amendments == [] and len(plain_reply.submissions) == 1


def test_the_example_pullers_file_is_valid() -> None:
    from pathlib import Path

    from services.intake.pullers.sources import Pullers

    example = Path(__file__).resolve().parents[3] / "deploy" / "pullers.example.yaml"
    sources = Pullers.load(example)
    assert [len(sources.tiktok), len(sources.x_stream), len(sources.open311),
            len(sources.feeds)] == [1, 1, 1, 1]
    assert Pullers.load(None) == Pullers()
