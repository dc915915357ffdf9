"""Raw submissions on complaints.submissions: accepted like HTTP posts, refusals dead-lettered."""

from __future__ import annotations

import uuid

import orjson

from schemas.topics import RECEIVED, SUBMISSIONS
from services.intake.cases.masking import redact_record
from tests.integration.intake.topic_end import caught_up
from tests.support.kafka import Watcher, produce
from tests.support.processes import ServiceProcess


def submission(message_id: str, **extra: object) -> bytes:
    return orjson.dumps({"channel": "call_center", "channel_message_id": message_id,
                         "text": "Pohon tumbang menutup jalan di Desa Sungai Awan, "
                                 "pelapor 0812 9033 7451",
                         "reporter": {"phone": "081290337451"}, **extra})


async def test_raw_submission_opens_one_case_however_often_it_is_produced(
        intake: ServiceProcess, watch: Watcher) -> None:
    message_id = f"call-{uuid.uuid4().hex}"
    await produce(watch.settings, SUBMISSIONS.name, submission(message_id),
                  submission(message_id), key=message_id.encode())
    [received] = await watch.wait_event(RECEIVED.name,
                                        lambda e: e.channel_message_id == message_id)
    assert received.text.endswith("pelapor [telepon]")  # type: ignore[attr-defined]
    # A later record on the same partition was read after both copies: still one case.
    marker = f"call-{uuid.uuid4().hex}"
    await produce(watch.settings, SUBMISSIONS.name, submission(marker), key=message_id.encode())
    await watch.wait_event(RECEIVED.name, lambda e: e.channel_message_id == marker)
    await caught_up(watch, RECEIVED.name)
    assert [e.channel_message_id for e in watch.events(RECEIVED.name)].count(message_id) == 1


async def test_refused_record_goes_to_the_dead_letter_topic_with_the_reason(
        intake: ServiceProcess, watch: Watcher) -> None:
    bad = submission(f"call-{uuid.uuid4().hex}", colour="red")
    good_id = f"call-{uuid.uuid4().hex}"
    await produce(watch.settings, SUBMISSIONS.name, bad, b"not json", submission(good_id),
                  key=b"same-partition")
    dead = await watch.wait_for(lambda r: r.topic == watch.settings.topic(SUBMISSIONS.dlq)
                                and r.value in (redact_record(bad), b"not json"), count=2)
    reasons = sorted(dict(r.headers)["dlq.reason"].decode() for r in dead)
    assert reasons[0].startswith("field colour: Extra inputs are not permitted")
    assert reasons[1].startswith("not JSON")
    assert {dict(r.headers)["dlq.service"] for r in dead} == {b"intake"}
    assert all(b"reporter" not in r.value or b"[redacted]" in r.value for r in dead)
    # The consumer moved on: the valid record behind them opened its case.
    await watch.wait_event(RECEIVED.name, lambda e: e.channel_message_id == good_id)
