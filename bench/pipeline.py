"""The whole pipeline: sustained complaints/s from HTTP 202 to the agency topic and to the
citizen's status projection, and end-to-end latency at half that rate, against the raw
aiokafka produce rate and single-hop produce->consume latency on the same broker.

    .venv/bin/python bench/pipeline.py [--quick] [--seconds 180]

Four `tanggap serve` processes (the tenant's real SLA policy: clocks start, none fires
during the run; assignment webhooks go to a local inbox). Saturation run: --seconds of load
with 64 requests in flight; the lag (accepted minus arrived) is sampled every 5 s, and the
sustained rate is what reached both outputs in the second half of the run. Latency run:
paced at half the sustained rate for half as long. Prints figures; asserts nothing.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson  # noqa: E402
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # noqa: E402

from bench.common import CpuShare, Result, median, percentile  # noqa: E402
from schemas.topics import RECEIVED, agency_topics  # noqa: E402
from services.runtime.settings import RuntimeSettings  # noqa: E402
from tests.support.load import Load  # noqa: E402
from tests.support.pipeline import Pipeline  # noqa: E402
from tests.support.receiver import Receiver  # noqa: E402
from tests.support.stack import delete_topics_with_prefix  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PRODUCER = {"acks": "all", "enable_idempotence": True, "linger_ms": 5,
            "max_batch_size": 512 * 1024}


class Arrivals:
    """When each complaint first reached its agency topic and the status projection."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.on_topic: dict[str, float] = {}
        self.projected: dict[str, float] = {}
        self.pending: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Arrivals:
        s = self.pipeline.settings
        self._consumer = AIOKafkaConsumer(
            *(s.topic(t.name) for t in agency_topics(s.directory())),
            bootstrap_servers=s.kafka_bootstrap_servers, group_id=None,
            auto_offset_reset="earliest", metadata_max_age_ms=1000)
        await self._consumer.start()
        self._tasks = [asyncio.create_task(self._topic()), asyncio.create_task(self._table())]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._consumer.stop()

    def complete(self, ids: set[str]) -> bool:
        return not (ids - self.on_topic.keys() or ids - self.projected.keys())

    async def _topic(self) -> None:
        while True:
            for records in (await self._consumer.getmany(timeout_ms=200)).values():
                now = time.monotonic()
                for record in records:
                    self.on_topic.setdefault(orjson.loads(record.value)["complaint_id"], now)

    async def _table(self) -> None:
        assert self.pipeline.pool is not None
        while True:
            if self.pending:
                rows = await self.pipeline.pool.fetch(
                    "SELECT complaint_id FROM case_status WHERE complaint_id = ANY($1::text[])"
                    " AND status <> 'received'", list(self.pending))
                now = time.monotonic()
                for row in rows:
                    self.projected.setdefault(row[0], now)
                    self.pending.discard(row[0])
            await asyncio.sleep(0.1)


async def until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        await asyncio.sleep(0.2)


async def watch_load(load: Load, arrivals: Arrivals, samples: list[tuple[float, int, int]]
                     ) -> None:
    """Feed accepted ids to the projection poller; sample the lags every 5 s."""
    task = asyncio.create_task(load.run())
    last_sample = time.monotonic()
    while not task.done():
        await asyncio.sleep(0.1)
        for o in load.outcomes:
            if o.complaint_id and o.complaint_id not in arrivals.projected:
                arrivals.pending.add(o.complaint_id)
        if time.monotonic() - last_sample >= 5:
            last_sample = time.monotonic()
            accepted = load.progress()
            samples.append((last_sample, accepted - len(arrivals.on_topic),
                            accepted - len(arrivals.projected)))
    await task
    for o in load.accepted:
        if o.complaint_id and o.complaint_id not in arrivals.projected:
            arrivals.pending.add(o.complaint_id)


def reached_between(times: dict[str, float], ids: set[str], start: float, end: float) -> float:
    return sum(1 for c in ids if c in times and start <= times[c] <= end) / (end - start)


async def raw_produce_rate(settings: RuntimeSettings, count: int, size: int) -> float:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, **PRODUCER)
    await producer.start()
    try:
        value = b"x" * size
        began = time.perf_counter()
        futures = [await producer.send(settings.topic(RECEIVED.name), value,
                                       key=f"k{n}".encode()) for n in range(count)]
        await asyncio.gather(*futures)
        return count / (time.perf_counter() - began)
    finally:
        await producer.stop()


async def single_hop(settings: RuntimeSettings, rate: float, seconds: float, size: int
                     ) -> list[float]:
    """Produce (acks=all) at `rate`, consume in another client: latencies in seconds."""
    topic = settings.topic("complaints.linked")  # any empty topic of this run's prefix
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=settings.kafka_bootstrap_servers,
                                group_id=None, auto_offset_reset="latest")
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, **PRODUCER)
    await consumer.start()
    await producer.start()
    latencies: list[float] = []
    try:
        await consumer.seek_to_end()
        count = max(50, int(rate * seconds))

        async def consume() -> None:
            while len(latencies) < count:
                for records in (await consumer.getmany(timeout_ms=200)).values():
                    now = time.monotonic()
                    latencies.extend(now - float(r.value[:20]) for r in records)

        reader = asyncio.create_task(consume())
        began = time.monotonic()
        for n in range(count):
            await asyncio.sleep(max(0.0, began + n / rate - time.monotonic()))
            stamp = f"{time.monotonic():<20.6f}".encode()
            await producer.send(topic, stamp + b"x" * size, key=f"k{n}".encode())
        await asyncio.wait_for(reader, 60)
    finally:
        await producer.stop()
        await consumer.stop()
    return latencies


async def measure(quick: bool = False, seconds: float | None = None) -> list[Result]:
    seconds = seconds or (20.0 if quick else 180.0)
    run = uuid.uuid4().hex[:8]
    settings = RuntimeSettings(topic_prefix=f"bench{run}.")
    policy = (ROOT / "tenants" / "ketapang" / "sla.yaml").read_text()
    workdir = ROOT / "var" / "bench"
    workdir.mkdir(parents=True, exist_ok=True)
    async with Receiver() as inbox:
        pipeline = Pipeline(settings, inbox, workdir, f"tanggap_bench_{run}", policy=policy)
        try:
            await pipeline.start()
            async with Arrivals(pipeline) as arrivals:
                await watch_load(Load(pipeline.intake_url, pipeline.key, "w" + run, 100,
                                      concurrency=16), arrivals, [])
                samples: list[tuple[float, int, int]] = []
                with CpuShare() as cpu:
                    load = Load(pipeline.intake_url, pipeline.key, "s" + run, 10_000_000,
                                concurrency=64, duration=seconds)
                    await watch_load(load, arrivals, samples)
                ids = {o.complaint_id for o in load.accepted if o.complaint_id}
                mid, end = load.began + seconds / 2, load.began + seconds
                to_topic = reached_between(arrivals.on_topic, ids, mid, end)
                to_table = reached_between(arrivals.projected, ids, mid, end)
                accepted_rate = len(ids) / seconds
                lag_mid = min(samples, key=lambda s: abs(s[0] - mid)) if samples else (0, 0, 0)
                lag_end = samples[-1] if samples else (0, 0, 0)
                # Let the backlog of the saturation run drain before measuring latency.
                await until(lambda: arrivals.complete(ids), 600)
                sustained = max(1.0, min(to_topic, to_table))
                half = sustained / 2
                paced = Load(pipeline.intake_url, pipeline.key, "h" + run,
                             max(50, int(half * seconds / 2)), rate=half, concurrency=64)
                await watch_load(paced, arrivals, [])
                paced_ids = {o.complaint_id: o.accepted_at for o in paced.accepted}
                await until(lambda: arrivals.complete(set(paced_ids)), 120)
                e2e_topic = [arrivals.on_topic[c] - t for c, t in paced_ids.items()
                             if c in arrivals.on_topic and t is not None]
                e2e_table = [arrivals.projected[c] - t for c, t in paced_ids.items()
                             if c in arrivals.projected and t is not None]
            raw = await raw_produce_rate(settings, 5000 if quick else 30_000, 1024)
            hop = await single_hop(settings, half, min(20.0, seconds / 2), 1024)
        finally:
            await pipeline.stop()
            await delete_topics_with_prefix(settings, settings.topic_prefix)
    note = (f"{seconds:.0f} s at 64 in flight: intake accepted {accepted_rate:.1f}/s; lag "
            f"(agency topic/projection) {lag_mid[1]}/{lag_mid[2]} at {seconds / 2:.0f} s, "
            f"{lag_end[1]}/{lag_end[2]} at the end")
    growth = (lag_end[1] - lag_mid[1]) / max(1e-9, (lag_end[0] - lag_mid[0]) / 60)
    at_half = f"paced at {half:.1f}/s, {len(paced_ids)} complaints"
    return [
        Result("pipeline sustained to agency topic", to_topic, "complaints/s", raw,
               "raw aiokafka produce, 1 KiB", note),
        Result("pipeline sustained to status projection", to_table, "complaints/s", raw,
               "raw aiokafka produce, 1 KiB", note),
        Result("pipeline lag growth (agency topic)", growth, "complaints/min", None, "",
               "0 or less: no growing lag" if growth <= 0 else
               f"lag grows: the {accepted_rate:.1f}/s intake accepted is more than the "
               f"pipeline sustains; the sustained figures are its output rate meanwhile"),
        Result("pipeline e2e p50 202->agency topic", median(e2e_topic) * 1000, "ms",
               median(hop) * 1000, "single hop produce->consume", at_half),
        Result("pipeline e2e p99 202->agency topic", percentile(e2e_topic, 0.99) * 1000, "ms",
               percentile(hop, 0.99) * 1000, "single hop produce->consume", at_half),
        Result("pipeline e2e p50 202->projection", median(e2e_table) * 1000, "ms",
               median(hop) * 1000, "single hop produce->consume", at_half),
        Result("pipeline e2e p99 202->projection", percentile(e2e_table, 0.99) * 1000, "ms",
               percentile(hop, 0.99) * 1000, "single hop produce->consume", at_half),
        Result("load generator CPU (pipeline run)", cpu.of_busy * 100, "% of busy CPU",
               cpu.machine_busy * 100, "machine busy % of 2 cores",
               f"{cpu.own_seconds:.1f} CPU-s in the generator and watchers"),
    ]


if __name__ == "__main__":
    import argparse

    from bench.common import table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float, default=None)
    args = parser.parse_args()
    print(table(asyncio.run(measure(args.quick, args.seconds))))
