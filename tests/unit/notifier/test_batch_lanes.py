"""A batch of deliveries: a failing endpoint retries in its own lane, the others go through."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

import pytest

from schemas.directory import load_directory
from schemas.enums import NotificationChannel
from schemas.notifications import NotificationRequested
from services.notifier import deliver as deliver_module
from services.notifier.channel import Channel, Message, TemporaryFailure
from services.notifier.deliver import Deliverer
from services.notifier.deliveries import Claim
from services.notifier.retrying import RetryPolicy

BAD = "6281300000000"


class FlakyWhatsApp(Channel):
    """Stands in for WhatsApp: the BAD number never answers, every other one does."""

    name = NotificationChannel.WHATSAPP

    def __init__(self, journal: list[str]) -> None:
        self.journal = journal

    async def send(self, message: Message) -> str | None:
        await asyncio.sleep(0)
        if message.address == BAD:
            self.journal.append("bad attempt")
            raise TemporaryFailure("HTTP 503")
        self.journal.append(f"sent {message.address}")
        return "wamid.x"

    async def close(self) -> None:
        return None


class Recorder:
    def __init__(self) -> None:
        self.raw: list[str] = []
        self.events: list[Any] = []

    async def send_raw(self, topic: str, key: Any, value: Any, headers: Any = ()) -> None:
        self.raw.append(topic)

    async def send(self, topic: str, event: Any) -> None:
        self.events.append((topic, event))

    async def send_many(self, outgoing: Sequence[Any], raw: Sequence[Any] = ()) -> None:
        self.events.extend(outgoing)


def request(recipient: str) -> NotificationRequested:
    return NotificationRequested(complaint_id=f"c-{uuid.uuid4().hex}",
                                 channel=NotificationChannel.WHATSAPP, recipient=recipient,
                                 template="citizen_ack", context={"ticket": "KTP-2026-000001"})


async def test_failing_endpoint_does_not_hold_up_other_recipients(
        monkeypatch: pytest.MonkeyPatch) -> None:
    journal: list[str] = []
    finished: list[tuple[uuid.UUID, str]] = []

    async def claim_many(pool: Any, rows: list[Any]) -> dict[uuid.UUID, Claim]:
        journal.append(f"claimed {len(rows)}")
        return {r[0]: Claim("sending", 1, 0) for r in rows}

    async def finish(pool: Any, delivery_id: uuid.UUID, status: str, attempts: int,
                     **_: Any) -> None:
        finished.append((delivery_id, status))

    monkeypatch.setattr(deliver_module.deliveries, "claim_many", claim_many)
    monkeypatch.setattr(deliver_module.deliveries, "finish", finish)

    async def sleep(seconds: float) -> None:  # a retry's backoff: others run meanwhile
        journal.append("backoff")
        for _ in range(5):
            await asyncio.sleep(0)

    producer = Recorder()
    deliverer = Deliverer(pool=None, producer=producer,  # type: ignore[arg-type]
                          channels={NotificationChannel.WHATSAPP: FlakyWhatsApp(journal)},
                          directory=load_directory(), webhook_override=lambda _: None,
                          policy=RetryPolicy(max_attempts=3, initial=0.01, maximum=0.01),
                          sleep=sleep)
    good = [request(f"62813111{n:05d}") for n in range(4)]
    bad = request(BAD)
    outcomes = await deliverer.deliver_batch([(bad, bad), *((g, g) for g in good)])

    assert journal[0] == "claimed 5"  # one statement for the batch's claims
    first_backoff = journal.index("backoff")
    assert all(journal.index(f"sent {g.recipient}") < journal.index("backoff", first_backoff + 1)
               for g in good)  # delivered while the bad endpoint was still retrying
    assert journal.count("bad attempt") == 3
    assert [e.type for _, e in outcomes] == ["NotificationDelivered"] * 4
    assert producer.raw == ["notifications.requests.dlq"]  # the failure parked with a reason
    assert sorted(s for _, s in finished) == ["delivered"] * 4 + ["failed"]
