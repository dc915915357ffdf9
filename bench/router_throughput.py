"""Router events/s from a pre-filled backlog, against a hand-written aiokafka loop that runs
the same classifier on the same backlog, on the same machine.

    .venv/bin/python bench/router_throughput.py [--quick]

The backlog of ComplaintReceived is written once. The hand-written loop reads it in its own
consumer group (getmany, judge + decide from services/router, every output sent without a
per-record await, then one gather and a commit per batch) and writes to topics of the same
specs under another prefix. Then one `tanggap serve router` process drains the same backlog;
its rate is counted on the routing topics from its first output to its last (start-up and
the group join excluded). Prints figures; asserts nothing.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson  # noqa: E402
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # noqa: E402

from bench.common import CpuShare, Result, process_cpu  # noqa: E402
from schemas.codec import decode, encode  # noqa: E402
from schemas.intake import ComplaintReceived  # noqa: E402
from schemas.topics import RECEIVED, catalogue  # noqa: E402
from services.router.decide import decide, judge  # noqa: E402
from services.router.rules import load_rules  # noqa: E402
from services.router.settings import RouterSettings  # noqa: E402
from services.runtime.admin import ensure_topics  # noqa: E402
from services.runtime.settings import RuntimeSettings  # noqa: E402
from tests.support.processes import ServiceProcess, free_port  # noqa: E402
from tests.support.stack import delete_topics_with_prefix, service_env, wait_for_topics  # noqa: E402,E501
from tests.support.tally import ROUTING  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "complaints-dev.jsonl"
PRODUCER = {"acks": "all", "enable_idempotence": True, "linger_ms": 5,
            "max_batch_size": 512 * 1024}


def backlog(count: int) -> list[ComplaintReceived]:
    rows = [orjson.loads(line) for line in CORPUS.read_bytes().splitlines() if line.strip()]
    events = []
    for n in range(count):
        row = rows[n % len(rows)]
        cid = f"c-bench-{uuid.uuid4().hex}"
        channel = {"media_monitoring": "media", "call_center_112": "call_center"}.get(
            row["channel"], row["channel"])
        # A number per message keeps near-duplicate linking from treating repeats as one.
        events.append(ComplaintReceived(complaint_id=cid, ticket=f"KTP-B-{n:08d}",
                                        channel=channel, channel_message_id=cid,
                                        text=f"{row['text']} (laporan {n})"))
    return events


async def fill(settings: RuntimeSettings, events: list[ComplaintReceived]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, **PRODUCER)
    await producer.start()
    try:
        futures = [await producer.send(settings.topic(RECEIVED.name), encode(e),
                                       key=e.complaint_id.encode()) for e in events]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def hand_written(settings: RuntimeSettings, out: RuntimeSettings, count: int) -> float:
    """The loop a careful engineer writes by hand; events/s from its first batch to its
    last acknowledged send."""
    rules = load_rules(RouterSettings().rules_path(), out.directory())
    consumer = AIOKafkaConsumer(settings.topic(RECEIVED.name),
                                bootstrap_servers=settings.kafka_bootstrap_servers,
                                group_id=f"{settings.topic_prefix}hand-written",
                                enable_auto_commit=False, auto_offset_reset="earliest",
                                max_partition_fetch_bytes=4 * 1024 * 1024)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, **PRODUCER)
    await consumer.start()
    await producer.start()
    done, first = 0, None
    try:
        while done < count:
            batches = await consumer.getmany(timeout_ms=500, max_records=2000)
            if not batches:
                continue
            first = first or time.perf_counter()
            futures = []
            for records in batches.values():
                for record in records:
                    event = decode(record.value, RECEIVED.carries)
                    masked, verdict = judge(event.text, event.channel, rules, event.kecamatan,
                                            event.category_hint)
                    for topic, outgoing in decide(event, verdict, masked, rules).outgoing:
                        futures.append(await producer.send(
                            out.topic(topic), encode(outgoing),
                            key=outgoing.complaint_id.encode()))
                    done += 1
            await asyncio.gather(*futures)
            await consumer.commit()
        return count / (time.perf_counter() - (first or time.perf_counter()))
    finally:
        await producer.stop()
        await consumer.stop()


async def router_process(settings: RuntimeSettings, count: int, timeout: float
                         ) -> tuple[float, float]:
    """One router drains the backlog: (events/s first to last output, its CPU-s/1000 events)."""
    watcher = AIOKafkaConsumer(*(settings.topic(t) for t in ROUTING),
                               bootstrap_servers=settings.kafka_bootstrap_servers,
                               group_id=None, auto_offset_reset="earliest")
    await watcher.start()
    port = free_port()
    proc = ServiceProcess("router", port, service_env(
        settings.topic_prefix, TANGGAP_ROUTER_WEB_PORT=str(port), TANGGAP_LOG_LEVEL="WARNING"),
        tag="bench-router")
    try:
        await proc.start(timeout=120)
        assert proc.proc is not None
        cpu_before = process_cpu(proc.proc.pid)
        seen: set[str] = set()
        first = last = None
        deadline = time.monotonic() + timeout
        while len(seen) < count and time.monotonic() < deadline:
            for records in (await watcher.getmany(timeout_ms=500, max_records=5000)).values():
                for record in records:
                    seen.add(orjson.loads(record.value)["complaint_id"])
                    first = first or time.perf_counter()
                    last = time.perf_counter()
        cpu = process_cpu(proc.proc.pid) - cpu_before
        if first is None or last is None or last <= first:
            return 0.0, float("nan")
        return (len(seen) - 1) / (last - first), cpu / len(seen) * 1000
    finally:
        await asyncio.to_thread(proc.stop)
        await watcher.stop()


async def measure(quick: bool = False) -> list[Result]:
    count = 1000 if quick else 5000
    run = uuid.uuid4().hex[:8]
    settings = RuntimeSettings(topic_prefix=f"bench{run}.")
    out = settings.model_copy(update={"topic_prefix": f"bench{run}.hand."})
    specs = catalogue(settings.directory())
    try:
        await ensure_topics(settings, specs)
        await ensure_topics(out, specs)
        await wait_for_topics(settings, RECEIVED.name, "complaints.commands",
                              "complaints.responses")
        await fill(settings, backlog(count))
        baseline = await hand_written(settings, out, count)
        with CpuShare() as cpu:
            rate, cpu_per_k = await router_process(settings, count, 120 + count / 20)
    finally:
        await delete_topics_with_prefix(settings, settings.topic_prefix)
    return [
        Result("router from a backlog", rate, "events/s", baseline, "hand-written aiokafka loop",
               f"{count} events; router CPU {cpu_per_k:.2f} s per 1000 events; machine busy "
               f"{cpu.machine_busy * 100:.0f}% (load {os.getloadavg()[0]:.1f})"),
    ]


if __name__ == "__main__":
    from bench.common import table

    print(table(asyncio.run(measure("--quick" in sys.argv))))
