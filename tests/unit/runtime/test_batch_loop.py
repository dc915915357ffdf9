"""The batch loop with plain objects: poison mid-batch, acks only once durable, crash first."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import pytest

from schemas.codec import encode
from schemas.envelope import Event
from schemas.intake import ComplaintReceived
from schemas.topics import RECEIVED
from services.runtime.batch import BatchStep, one_by_one
from services.runtime.producer import Outgoing, RawRecord
from services.runtime.settings import RuntimeSettings
from services.runtime.stream import StreamService


@dataclass
class Message:
    value: bytes | None
    offset: int
    key: bytes | None = None
    partition: int = 0
    topic: str = "complaints.received"


@dataclass
class FakeEvent:
    message: Message


@dataclass
class FakeStream:
    """What the agent uses of a Faust stream: noack(), noack_take() and ack()."""

    batches: list[list[FakeEvent]]
    journal: list[str]
    acked: list[int] = field(default_factory=list)

    def noack(self) -> FakeStream:
        return self

    async def noack_take(self, max_: int, within: float) -> AsyncIterator[list[FakeEvent]]:
        for batch in self.batches:
            assert len(batch) <= max_
            yield batch

    async def ack(self, event: FakeEvent) -> bool:
        self.journal.append(f"ack {event.message.offset}")
        self.acked.append(event.message.offset)
        return True


class JournalProducer:
    """Records sends in the shared journal; `fail` makes the acknowledgement fail."""

    def __init__(self, journal: list[str], fail: bool = False) -> None:
        self.journal = journal
        self.fail = fail
        self.outputs: list[Outgoing] = []
        self.raw: list[RawRecord] = []

    async def send_many(self, outgoing: Sequence[Outgoing],
                        raw: Sequence[RawRecord] = ()) -> None:
        await asyncio.sleep(0)
        if self.fail:
            raise ConnectionError("broker gone")
        self.outputs.extend(outgoing)
        self.raw.extend(raw)
        self.journal.append(f"sent {len(outgoing)}+{len(raw)}")


def received(n: int) -> ComplaintReceived:
    return ComplaintReceived(complaint_id=f"c-{n}", ticket=f"KTP-2026-{n:06d}", channel="web",
                             channel_message_id=f"m-{n}", text="jalan rusak")


def events(values: list[bytes | None]) -> list[FakeEvent]:
    return [FakeEvent(Message(v, offset=i, key=b"k")) for i, v in enumerate(values)]


def make_service(journal: list[str], fail_send: bool = False
                 ) -> tuple[StreamService, JournalProducer, list[BaseException]]:
    svc = StreamService("batch-test", RuntimeSettings(batch_max=10), web_port=65001)
    producer = JournalProducer(journal, fail_send)
    svc.producer = producer  # type: ignore[assignment]
    crashes: list[BaseException] = []
    svc.crash = crashes.append
    svc.ready.set()
    return svc, producer, crashes


async def test_poison_in_the_middle_is_dead_lettered_and_the_rest_handled() -> None:
    journal: list[str] = []
    svc, producer, crashes = make_service(journal)
    seen: list[list[str]] = []

    async def handler(batch: Sequence[Event]) -> Sequence[Outgoing]:
        seen.append([e.complaint_id for e in batch])
        journal.append("committed")
        return [("complaints.assigned", e) for e in batch]

    agent = svc.consume_batch(RECEIVED, handler, name="poison_mid")
    stream = FakeStream([events([encode(received(1)), b'{"type": "nope"}', None,
                                 encode(received(2))])], journal)
    await agent.fun(stream)
    assert seen == [["c-1", "c-2"]]  # one handler call, record order kept
    assert [o[1].complaint_id for o in producer.outputs] == ["c-1", "c-2"]
    assert [r.topic for r in producer.raw] == ["complaints.received.dlq"] * 2
    reasons = [dict(r.headers)["dlq.reason"] for r in producer.raw]
    assert all(reasons) and reasons[0] != reasons[1]
    assert [dict(r.headers)["dlq.source.offset"] for r in producer.raw] == [b"1", b"2"]
    assert producer.raw[0].value == b'{"type": "nope"}'  # the refused bytes, untouched
    assert stream.acked == [0, 1, 2, 3] and not crashes


async def test_acks_only_after_commit_and_send_then_after_sent() -> None:
    journal: list[str] = []
    svc, _, crashes = make_service(journal)

    async def handler(batch: Sequence[Event]) -> Sequence[Outgoing]:
        journal.append("committed")
        return [("complaints.assigned", e) for e in batch]

    async def after_sent(batch: Sequence[Event]) -> None:
        journal.append(f"marked {len(batch)}")

    agent = svc.consume_batch(RECEIVED, handler, name="ack_order", after_sent=after_sent)
    stream = FakeStream([events([encode(received(1)), encode(received(2))]),
                         events([encode(received(3))])], journal)
    await agent.fun(stream)
    assert journal == ["committed", "sent 2+0", "marked 2", "ack 0", "ack 1",
                       "committed", "sent 1+0", "marked 1", "ack 0"]
    assert not crashes


@pytest.mark.parametrize("where", ["handler", "send"])
async def test_unexpected_error_crashes_before_any_ack(where: str) -> None:
    journal: list[str] = []
    svc, _, crashes = make_service(journal, fail_send=where == "send")

    async def handler(batch: Sequence[Event]) -> Sequence[Outgoing]:
        if where == "handler":
            raise KeyError("a bug")  # a database outage is ridden out instead (test_outage)
        return [("complaints.assigned", e) for e in batch]

    agent = svc.consume_batch(RECEIVED, handler, name=f"crash_{where}")
    stream = FakeStream([events([encode(received(1)), b"{broken"]),
                         events([encode(received(2))])], journal)
    failure = KeyError if where == "handler" else ConnectionError
    with pytest.raises(failure):
        await agent.fun(stream)
    assert [type(c) for c in crashes] == [failure]
    assert stream.acked == []  # not even the poison record: the whole batch replays


async def test_one_by_one_keeps_order_and_concatenates() -> None:
    async def handler(event: Event) -> Sequence[Outgoing]:
        return [("a", event), ("b", event)]

    out = await one_by_one(handler)([received(1), received(2)])
    assert [(t, e.complaint_id) for t, e in out] == [("a", "c-1"), ("b", "c-1"),
                                                      ("a", "c-2"), ("b", "c-2")]


async def test_step_without_records_does_nothing() -> None:
    journal: list[str] = []
    producer = JournalProducer(journal)

    async def handler(batch: Sequence[Event]) -> Sequence[Outgoing]:
        raise AssertionError("not called")

    await BatchStep("x", "svc", lambda _: RECEIVED, handler, producer)([])
    assert journal == []
