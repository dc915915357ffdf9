"""Replay engine speed: recorded inputs through a trivial batch handler, beside plain getmany.

    .venv/bin/python bench/replay_engine.py [--events 50000]

Fills a fresh namespace with ComplaintReceived and their recorded ComplaintAcknowledged, then
(a) reads complaints.received with plain aiokafka getmany, (a') the same with each record
decoded, (b) replays it through a handler that acknowledges each case, comparing every
output with the log. The handler does no I/O,
so (b)/(a) is the engine's own cost (decode, compare); a service's handler adds its store.
Needs the stack. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from aiokafka import AIOKafkaProducer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.replay_targets import raw  # noqa: E402
from schemas.codec import encode  # noqa: E402
from schemas.envelope import Event  # noqa: E402
from schemas.intake import ComplaintAcknowledged, ComplaintReceived  # noqa: E402
from schemas.topics import ACKNOWLEDGED, RECEIVED  # noqa: E402
from services.runtime.admin import ensure_topics  # noqa: E402
from services.runtime.producer import Outgoing  # noqa: E402
from services.runtime.replay import replay  # noqa: E402
from services.runtime.settings import RuntimeSettings  # noqa: E402
from tests.support.stack import delete_topics_with_prefix  # noqa: E402


def ack(event: ComplaintReceived) -> ComplaintAcknowledged:
    return ComplaintAcknowledged(**event.caused("ack"), ticket=event.ticket,
                                 channel=event.channel)


async def acknowledge(events: Sequence[Event]) -> Sequence[Outgoing]:
    return [(ACKNOWLEDGED.name, ack(e)) for e in events if isinstance(e, ComplaintReceived)]


async def fill(settings: RuntimeSettings, n: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all",
                                linger_ms=20, max_batch_size=512 * 1024)
    await producer.start()
    try:
        pending = []
        for i in range(n):
            case = ComplaintReceived(complaint_id=f"rb-{i}", ticket=f"KTP-RB-{i:07d}",
                                     channel="web", channel_message_id=f"m-{i}",
                                     text="Jalan rusak berlubang di depan sekolah")
            key = case.complaint_id.encode()
            pending.append(await producer.send(settings.topic(RECEIVED.name), encode(case),
                                               key=key))
            pending.append(await producer.send(settings.topic(ACKNOWLEDGED.name),
                                               encode(ack(case)), key=key))
            if len(pending) >= 20_000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50_000)
    args = parser.parse_args()
    settings = RuntimeSettings(topic_prefix=f"rbench{uuid.uuid4().hex[:6]}.")
    await ensure_topics(settings, (RECEIVED, ACKNOWLEDGED))
    try:
        await fill(settings, args.events)
        _, raw_rate = await raw(settings, [RECEIVED], decode=False)
        _, decoded_rate = await raw(settings, [RECEIVED], decode=True)
        started = time.perf_counter()
        result = await replay(settings, [RECEIVED], [ACKNOWLEDGED], acknowledge)
        total = time.perf_counter() - started
        rate = result.events_per_second
        print(f"plain getmany of complaints.received: {raw_rate:,.0f} events/s; getmany + "
              f"decode {decoded_rate:,.0f}/s ({decoded_rate / raw_rate:.2f} of raw)")
        print(f"replay through a no-I/O handler: {rate:,.0f} events/s ({rate / raw_rate:.2f} "
              f"of raw, {rate / decoded_rate:.2f} of decoded); reading the recorded "
              f"outputs first took {total - result.seconds:.1f} s; "
              f"{result.matched} of {result.outputs} outputs equal to the log")
    finally:
        await delete_topics_with_prefix(settings, settings.topic_prefix)


if __name__ == "__main__":
    asyncio.run(main())
