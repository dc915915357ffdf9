"""The guarded agent: poison to the dead-letter topic, the unexpected crashes before the ack."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from schemas.codec import encode
from schemas.envelope import Event
from schemas.intake import ComplaintReceived
from schemas.topics import RECEIVED
from services.runtime.producer import Outgoing
from services.runtime.settings import RuntimeSettings
from services.runtime.stream import StreamService


class RecordingProducer:
    """Stands in for Kafka in unit tests: remembers what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    async def send_many(self, outgoing: Sequence[Outgoing]) -> None:
        self.sent.extend(outgoing)

    async def send_raw(self, topic: str, key: Any, value: Any, headers: Any = ()) -> None:
        self.sent.append((topic, dict(headers)))


def received(n: int) -> ComplaintReceived:
    return ComplaintReceived(complaint_id=f"c-{n}", ticket=f"KTP-2026-{n:06d}", channel="web",
                             channel_message_id=f"m-{n}", text="jalan rusak")


@pytest.fixture
def service() -> StreamService:
    svc = StreamService("guard-test", RuntimeSettings(), web_port=65000)
    svc.app.finalize()
    svc.app.conf.store = "memory://"
    svc.producer = RecordingProducer()  # type: ignore[assignment]
    svc.ready.set()
    return svc


async def test_poison_record_goes_to_dead_letter_with_reason(service: StreamService) -> None:
    handled: list[Event] = []

    async def handler(event: Event) -> Sequence[Outgoing]:
        handled.append(event)
        return [("complaints.assigned", event)]

    agent = service.consume(RECEIVED, handler, name="guard_poison")
    async with agent.test_context() as ctx:
        await ctx.put(b"{broken")
        await ctx.put(encode(received(1)))
    sent = service.producer.sent  # type: ignore[attr-defined]
    topic, headers = sent[0]
    assert topic == "complaints.received.dlq"
    assert b"not JSON" in headers["dlq.reason"]
    assert [e.complaint_id for e in handled] == ["c-1"]
    assert sent[1][0] == "complaints.assigned"


async def test_unexpected_error_crashes_instead_of_acking(service: StreamService) -> None:
    crashes: list[BaseException] = []
    service.crash = crashes.append

    async def handler(event: Event) -> Sequence[Outgoing]:
        raise ConnectionError("database went away")

    agent = service.consume(RECEIVED, handler, name="guard_crash")
    with pytest.raises(ConnectionError):
        async with agent.test_context() as ctx:
            await ctx.put(encode(received(2)))
    assert [type(c) for c in crashes] == [ConnectionError]
