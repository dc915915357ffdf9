"""Router throughput: the decision function alone, and one router process on Kafka + PostgreSQL.

    .venv/bin/python bench/router_throughput.py [--events 2000] [--skip-process]

Needs the local stack (Kafka 127.0.0.1:9092, PostgreSQL 127.0.0.1:54329) for the process part.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from schemas.codec import encode  # noqa: E402
from schemas.directory import load_directory  # noqa: E402
from schemas.intake import ComplaintReceived  # noqa: E402
from schemas.topics import (  # noqa: E402
    ASSIGNED,
    COMMANDS,
    EXTERNAL,
    RECEIVED,
    RESPONSES,
    SUPPRESSED,
    TRIAGE,
    catalogue,
)
from services.router.decide import decide, judge  # noqa: E402
from services.router.rules import load_rules  # noqa: E402
from services.runtime.admin import ensure_topics  # noqa: E402
from services.runtime.settings import RuntimeSettings  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "complaints-dev.jsonl"
OUTCOMES = (ASSIGNED.name, TRIAGE.name, SUPPRESSED.name, EXTERNAL.name)


def texts() -> list[tuple[str, str]]:
    rows = [orjson.loads(line) for line in CORPUS.read_bytes().splitlines() if line.strip()]
    return [(r["text"], r["channel"]) for r in rows]


def received(text: str, channel: str, n: int) -> ComplaintReceived:
    cid = f"c-bench-{uuid.uuid4().hex}"
    channel = {"media_monitoring": "media", "call_center_112": "call_center"}.get(channel, channel)
    # A number per message keeps near-duplicate linking from treating the corpus as repeats.
    return ComplaintReceived(complaint_id=cid, ticket=f"KTP-B-{n:08d}", channel=channel,
                             channel_message_id=cid, text=f"{text} (laporan {n})")


def bench_decisions(repeat: int) -> None:
    directory = load_directory()
    rules = load_rules(ROOT / "tenants" / "ketapang" / "routing.yaml", directory)
    corpus = texts()
    start = time.perf_counter()
    for text, channel in corpus:  # cold: every word goes through Sastrawi once
        judge(text, channel, rules)
    cold = len(corpus) / (time.perf_counter() - start)
    events = [received(t, c, i) for i, (t, c) in enumerate(corpus * repeat)]
    start = time.perf_counter()
    for event in events:
        masked, verdict = judge(event.text, event.channel, rules)
        decide(event, verdict, masked, rules)
    warm = len(events) / (time.perf_counter() - start)
    print(f"decision function: {cold:,.0f} complaints/s cold (first sight of every word), "
          f"{warm:,.0f} complaints/s warm (judge + decide, {len(events)} complaints)")


async def wait_topics(settings: RuntimeSettings, names: list[str]) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                                group_id=None)
    await consumer.start()
    try:
        for _ in range(300):  # Faust skips a topic missing at its first rebalance
            if {settings.topic(n) for n in names} <= await consumer.topics():
                return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"topics not visible: {names}")
    finally:
        await consumer.stop()


async def bench_process(count: int) -> None:
    settings = RuntimeSettings(topic_prefix=f"bench{uuid.uuid4().hex[:8]}.")
    await ensure_topics(settings, catalogue(settings.directory()))
    await wait_topics(settings, [RECEIVED.name, COMMANDS.name, RESPONSES.name])
    port = 18000 + os.getpid() % 1000
    env = {**os.environ, "TANGGAP_TOPIC_PREFIX": settings.topic_prefix,
           "TANGGAP_ROUTER_WEB_PORT": str(port), "TANGGAP_LOG_LEVEL": "WARNING"}
    tanggap = str(Path(sys.executable).parent / "tanggap")
    proc = await asyncio.create_subprocess_exec(
        tanggap, "serve", "router", env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    watcher = AIOKafkaConsumer(*(settings.topic(t) for t in OUTCOMES),
                               bootstrap_servers=settings.kafka_bootstrap_servers,
                               group_id=None, auto_offset_reset="earliest")
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all",
                                linger_ms=5)
    try:
        async with httpx.AsyncClient() as http:
            while True:
                try:
                    if (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    await asyncio.sleep(0.3)
        await watcher.start()
        await producer.start()
        corpus = texts()
        warmup = [received(*corpus[i % len(corpus)], i) for i in range(50)]
        events = [received(*corpus[i % len(corpus)], 1000 + i) for i in range(count)]
        seen: set[str] = set()

        async def until(ids: set[str]) -> float:
            async for record in watcher:
                seen.add(orjson.loads(record.value)["complaint_id"])
                if ids <= seen:
                    return time.perf_counter()
            raise RuntimeError("watcher stopped")

        for event in warmup:  # joins the group, opens the pool, fills the stem cache
            await producer.send(settings.topic(RECEIVED.name), encode(event),
                                key=event.complaint_id.encode())
        await asyncio.wait_for(until({e.complaint_id for e in warmup}), 180)
        start = time.perf_counter()
        batch = [await producer.send(settings.topic(RECEIVED.name), encode(e),
                                     key=e.complaint_id.encode()) for e in events]
        await asyncio.gather(*batch)
        produced = time.perf_counter() - start
        end = await asyncio.wait_for(until({e.complaint_id for e in events}), 900)
        print(f"one router process: {count / (end - start):,.0f} complaints/s end to end "
              f"({count} complaints in {end - start:.1f} s; producing took {produced:.1f} s; "
              f"each: decide + PostgreSQL transaction + acks=all send + outbox mark)")
    finally:
        await producer.stop()
        await watcher.stop()
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--skip-process", action="store_true")
    args = parser.parse_args()
    bench_decisions(args.repeat)
    if not args.skip_process:
        asyncio.run(bench_process(args.events))


if __name__ == "__main__":
    main()
