"""The wire format: plain JSON both ways, and specific reasons for what is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from schemas.codec import DecodeError, Decoder, decode, encode
from schemas.intake import ComplaintReceived
from schemas.routing import ComplaintAssigned
from schemas.sla import SlaStarted


def received(**over: object) -> ComplaintReceived:
    fields: dict[str, object] = {"complaint_id": "c-1", "ticket": "KTP-2026-000001",
                                 "channel": "whatsapp", "channel_message_id": "wamid.1",
                                 "text": "jalan rusak"}
    return ComplaintReceived(**{**fields, **over})


def test_event_round_trips_through_plain_json() -> None:
    event = received()
    raw = encode(event)
    assert orjson.loads(raw)["type"] == "ComplaintReceived"
    assert decode(raw) == event


def test_occurred_at_is_stored_as_utc() -> None:
    wib = timezone(timedelta(hours=7))
    event = received(occurred_at=datetime(2026, 5, 1, 9, 0, tzinfo=wib))
    assert event.occurred_at == datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
    assert orjson.loads(encode(event))["occurred_at"].endswith("Z")


def test_naive_timestamp_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        received(occurred_at=datetime(2026, 5, 1, 9, 0))


@pytest.mark.parametrize(("raw", "reason"), [
    (b"not json", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"type": "Nope"}', "unknown event type 'Nope'"),
    (None, "tombstone"),
])
def test_undecodable_records_name_the_reason(raw: bytes | None, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        decode(raw)


def test_missing_field_is_named() -> None:
    data = orjson.loads(encode(received()))
    del data["ticket"]
    with pytest.raises(DecodeError, match="field ticket"):
        decode(orjson.dumps(data))


def test_unknown_field_is_refused_not_ignored() -> None:
    data = {**orjson.loads(encode(received())), "phone": "0812"}
    with pytest.raises(DecodeError, match="field phone"):
        decode(orjson.dumps(data))


def test_event_of_another_topic_is_refused() -> None:
    with pytest.raises(DecodeError, match="does not belong on this topic"):
        decode(encode(received()), accept=(ComplaintAssigned, SlaStarted))


def _assigned() -> ComplaintAssigned:
    return ComplaintAssigned(complaint_id="c-1", ticket="KTP-2026-000001", agency="dlh",
                             rules_version="r1", text="sampah menumpuk")


def test_a_topic_decoder_reads_what_decode_reads() -> None:
    read = Decoder((ComplaintReceived, ComplaintAssigned))
    for event in (received(), received(location={"lat": -1.8, "lon": 110.0}), _assigned()):
        assert read(encode(event)) == decode(encode(event)) == event
        assert type(read(encode(event))) is type(event)
    one = received()
    assert Decoder((ComplaintReceived,))(encode(one)) == one


@pytest.mark.parametrize("raw", [
    None, b"not json", b"[1, 2]", b'{"type": "Nope"}',
    encode(SlaStarted(complaint_id="c-1", clock_id="k", agency="dlh", due_at=datetime.now(UTC),
                      policy_version="p", started_at=datetime.now(UTC))),
    orjson.dumps({**orjson.loads(encode(received())), "phone": "0812"}),
    encode(received()).replace(b"+00:00", b"").replace(b"Z", b""),  # naive timestamps
])
def test_a_topic_decoder_refuses_what_decode_refuses(raw: bytes | None) -> None:
    accept = (ComplaintReceived, ComplaintAssigned)
    with pytest.raises(DecodeError):
        decode(raw, accept)
    with pytest.raises(DecodeError):
        Decoder(accept)(raw)
