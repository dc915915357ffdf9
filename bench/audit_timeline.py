"""Audit: indexing rate, and a case timeline's latency in a log of 100,000 cases.

    .venv/bin/python bench/audit_timeline.py [--cases 100000] [--full 20] [--reps 5]

Fills a fresh topic namespace: every case gets received, acknowledged, assigned and a started
clock (4 records); `--full` cases get a whole 24-event life (tests/support/lifecycle.py),
spread through the log. The audit indexer runs in this process until it has caught up; then
the full cases' timelines are read back (index look-up in PostgreSQL + fetch by offset from
Kafka), beside a baseline in the same run: one record fetched by offset, and the look-up alone.
Needs the stack (KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from aiokafka import AIOKafkaProducer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from schemas.codec import encode  # noqa: E402
from schemas.envelope import derived_id  # noqa: E402
from schemas.topics import (  # noqa: E402
    ACKNOWLEDGED,
    ASSIGNED,
    LIFECYCLE,
    RECEIVED,
    SLA,
    dead_letter_topics,
)
from services.audit.app import open_store  # noqa: E402
from services.audit.consumer import SERVICE, LifecycleIndexer  # noqa: E402
from services.audit.index import INDEXED  # noqa: E402
from services.audit.logreader import LogReader  # noqa: E402
from services.audit.lookup import timelines  # noqa: E402
from services.audit.settings import AuditSettings  # noqa: E402
from services.runtime.admin import ensure_topics  # noqa: E402
from services.runtime.lag import LagProbe, by_topic  # noqa: E402
from tests.support.lifecycle import case_life  # noqa: E402
from tests.support.stack import delete_topics_with_prefix  # noqa: E402

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def filler(n: int) -> list[tuple[str, bytes, bytes]]:
    """A short case's four records as (topic, key, value), built as plain JSON for speed."""
    cid = f"b-{n:07d}"
    at = (T0 + timedelta(seconds=n)).isoformat()
    rec, ack = derived_id("bench", n), derived_id("bench", n, "ack")
    asg, clk = derived_id("bench", n, "asg"), derived_id("bench", n, "clk")
    due = (T0 + timedelta(seconds=n, hours=48)).isoformat()
    env = {"tenant": "ketapang", "complaint_id": cid, "occurred_at": at, "schema_version": 1}
    ticket = f"KTP-2026-{n:07d}"
    values = [
        (RECEIVED.name, {**env, "event_id": str(rec), "type": "ComplaintReceived",
                         "ticket": ticket, "channel": "web", "channel_message_id": cid,
                         "text": "Jalan rusak berlubang di depan sekolah"}),
        (ACKNOWLEDGED.name, {**env, "event_id": str(ack), "causation_id": str(rec),
                             "type": "ComplaintAcknowledged", "ticket": ticket,
                             "channel": "web"}),
        (ASSIGNED.name, {**env, "event_id": str(asg), "causation_id": str(rec),
                         "type": "ComplaintAssigned", "ticket": ticket, "agency": "dinas-pupr",
                         "rules_version": "bench"}),
        (SLA.name, {**env, "event_id": str(clk), "causation_id": str(asg),
                    "type": "SlaStarted", "clock_id": f"{cid}:dinas-pupr:response",
                    "agency": "dinas-pupr", "due_at": due, "policy_version": "bench",
                    "started_at": at}),
    ]
    return [(t, cid.encode(), orjson.dumps(v)) for t, v in values]


async def fill(settings: AuditSettings, cases: int, full: int) -> tuple[list[str], int, float]:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers,
                                acks="all", linger_ms=20, max_batch_size=512 * 1024)
    await producer.start()
    every = max(1, cases // max(1, full))
    tickets, count, started = [], 0, time.perf_counter()
    try:
        pending = []
        for n in range(cases):
            records = filler(n)
            if full and n % every == every // 2 and len(tickets) < full:
                ticket = f"KTP-FULL-{n:07d}"
                tickets.append(ticket)
                records += [(t, e.complaint_id.encode(), encode(e))
                            for t, e in case_life(f"full-{n}", ticket, T0 + timedelta(seconds=n))]
            for topic, key, value in records:
                pending.append(await producer.send(settings.topic(topic), value, key=key))
                count += 1
            if len(pending) >= 20_000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return tickets, count, time.perf_counter() - started


async def index_all(settings: AuditSettings, records: int) -> float:
    store = await open_store(settings)
    indexer = LifecycleIndexer(settings, store, settings.audit_batch)
    started = time.perf_counter()
    await indexer.start()
    try:
        async with LagProbe(settings) as probe:
            while True:
                await asyncio.sleep(1.0)
                lag = by_topic(await probe.lag(settings.group(SERVICE),
                                               [settings.topic(s.name) for s in INDEXED]),
                               settings.topic_prefix)
                if not any(lag.values()):
                    break
        elapsed = time.perf_counter() - started
        from services.audit.metrics import BATCH
        samples = {m.name: m.value for f in BATCH.collect() for m in f.samples}
        print(f"  {indexer.batches} batches; decode + transaction took "
              f"{samples['audit_batch_seconds_sum']:.1f} s of the {elapsed:.1f} s")
        return elapsed
    finally:
        await indexer.stop()
        await store.pool.close()


async def raw_read(settings: AuditSettings) -> tuple[int, float]:
    """Baseline: the same topics read by plain getmany, nothing done with the records."""
    from aiokafka import AIOKafkaConsumer

    from services.audit.logreader import partitions_of

    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                                group_id=None, enable_auto_commit=False,
                                max_partition_fetch_bytes=4 * 1024 * 1024)
    await consumer.start()
    try:
        tps = [tp for s in INDEXED for tp in await partitions_of(settings,
                                                                 settings.topic(s.name))]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        todo = {tp for tp in tps if ends[tp] > 0}
        count, started = 0, time.perf_counter()
        while todo:
            for tp, records in (await consumer.getmany(timeout_ms=500,
                                                       max_records=settings.audit_batch)).items():
                count += len(records)
                if records and records[-1].offset >= ends[tp] - 1:
                    todo.discard(tp)
        return count, time.perf_counter() - started
    finally:
        await consumer.stop()


def ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    return f"median {statistics.median(values) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


async def measure(settings: AuditSettings, tickets: list[str], reps: int) -> None:
    store = await open_store(settings)
    topics = [settings.topic(s.name) for s in INDEXED]
    try:
        async with LogReader(settings) as reader:
            warm, lookup, single, events = [], [], [], 0
            for _ in range(reps):
                for ticket in tickets:
                    t = time.perf_counter()
                    (case,) = await timelines(ticket, store, reader, settings)
                    warm.append(time.perf_counter() - t)
                    events = len(case.entries)
                    t = time.perf_counter()
                    (cid,) = await store.complaint_ids(ticket)
                    located = await store.locate(cid, topics)
                    lookup.append(time.perf_counter() - t)
                    first = located[0]
                    t = time.perf_counter()
                    await reader.fetch([(first.topic, first.partition, first.offset)])
                    single.append(time.perf_counter() - t)
        cold = []
        for ticket in tickets[: max(3, len(tickets) // 4)]:
            t = time.perf_counter()
            async with LogReader(settings) as fresh:  # the CLI's path, minus interpreter start
                await timelines(ticket, store, fresh, settings)
            cold.append(time.perf_counter() - t)
    finally:
        await store.pool.close()
    print(f"timeline of a {events}-event case, warm reader   {ms(warm)}")
    print(f"timeline, new Kafka reader per call (CLI)   {ms(cold)}")
    print(f"  baseline: index look-up alone (PG)       {ms(lookup)}")
    print(f"  baseline: one record fetched by offset    {ms(single)}")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--full", type=int, default=20)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    settings = AuditSettings(topic_prefix=prefix)
    await ensure_topics(settings, LIFECYCLE + dead_letter_topics())
    try:
        tickets, records, fill_s = await fill(settings, args.cases, args.full)
        print(f"log: {args.cases} cases, {records} records on {len(INDEXED)} topics "
              f"(written in {fill_s:.1f} s, {records / fill_s:,.0f} records/s)")
        raw, raw_s = await raw_read(settings)
        print(f"  baseline: plain getmany of the same topics: {raw / raw_s:,.0f} records/s")
        index_s = await index_all(settings, records)
        print(f"audit indexer caught up in {index_s:.1f} s: {records / index_s:,.0f} records/s "
              f"(batches of {settings.audit_batch}, one transaction each)")
        await measure(settings, tickets, args.reps)
    finally:
        await delete_topics_with_prefix(settings, prefix)
        store = await open_store(settings)
        try:
            await store.pool.execute("DELETE FROM event_index WHERE starts_with(topic, $1)",
                                     prefix)
            await store.pool.execute("DELETE FROM ticket_index WHERE namespace = $1", prefix)
        finally:
            await store.pool.close()


if __name__ == "__main__":
    asyncio.run(main())
