"""The guarded batch agent on Faust: poison to the dead-letter topic, the unexpected crashes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from schemas.codec import encode
from schemas.envelope import Event
from schemas.intake import ComplaintReceived
from schemas.topics import RECEIVED
from services.runtime.producer import Outgoing, RawRecord
from services.runtime.settings import RuntimeSettings
from services.runtime.stream import StreamService


class RecordingProducer:
    """Stands in for Kafka in unit tests: remembers what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    async def send_many(self, outgoing: Sequence[Outgoing],
                        raw: Sequence[RawRecord] = ()) -> None:
        self.sent.extend(outgoing)
        self.sent.extend((r.topic, dict(r.headers)) for r in raw)


def received(n: int) -> ComplaintReceived:
    return ComplaintReceived(complaint_id=f"c-{n}", ticket=f"KTP-2026-{n:06d}", channel="web",
                             channel_message_id=f"m-{n}", text="jalan rusak")


async def until(condition: Any, seconds: float = 20.0) -> None:
    """Wait for a condition with a generous bound (no timed assertion)."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached")


@pytest.fixture
def service() -> StreamService:
    svc = StreamService("guard-test", RuntimeSettings(), web_port=65000)
    svc.app.finalize()
    svc.app.conf.store = "memory://"
    svc.producer = RecordingProducer()  # type: ignore[assignment]
    svc.crash = lambda exc: None  # never os._exit inside the test run
    svc.ready.set()
    return svc


async def test_poison_record_goes_to_dead_letter_with_reason(service: StreamService) -> None:
    handled: list[Event] = []

    async def handler(event: Event) -> Sequence[Outgoing]:
        handled.append(event)
        return [("complaints.assigned", event)]

    agent = service.consume(RECEIVED, handler, name="guard_poison")
    sent = service.producer.sent  # type: ignore[attr-defined]
    async with agent.test_context() as ctx:
        await ctx.put(b"{broken")
        await ctx.put(encode(received(1)))
        await until(lambda: len(sent) >= 2)
    topics = [t for t, _ in sent]
    assert sorted(topics) == ["complaints.assigned", "complaints.received.dlq"]
    headers = dict(sent)["complaints.received.dlq"]
    assert b"not JSON" in headers["dlq.reason"]
    assert [e.complaint_id for e in handled] == ["c-1"]


async def test_unexpected_error_crashes_instead_of_acking(service: StreamService) -> None:
    crashes: list[BaseException] = []
    service.crash = crashes.append

    async def handler(events: Sequence[Event]) -> Sequence[Outgoing]:
        raise KeyError("a bug")

    agent = service.consume_batch(RECEIVED, handler, name="guard_crash")
    async with agent.test_context() as ctx:
        event = await ctx.put(encode(received(2)))
        await until(lambda: crashes)
        assert not event.message.acked
    assert [type(c) for c in crashes] == [KeyError]


async def test_a_database_outage_is_ridden_out_then_acked(service: StreamService) -> None:
    crashes: list[BaseException] = []
    service.crash = crashes.append
    calls: list[int] = []

    async def handler(events: Sequence[Event]) -> Sequence[Outgoing]:
        calls.append(len(events))
        if len(calls) == 1:
            raise ConnectionRefusedError(111, "database restarting")
        return []

    agent = service.consume_batch(RECEIVED, handler, name="guard_outage")
    async with agent.test_context() as ctx:
        event = await ctx.put(encode(received(3)))
        await until(lambda: event.message.acked)
    assert crashes == [] and calls == [1, 1]  # the same batch, run again
