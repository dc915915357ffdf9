"""Accepted complaints per second on one intake process, against the same route with
PostgreSQL and Kafka replaced by no-ops (bench/noop_intake.py), on the same machine.

    .venv/bin/python bench/intake_throughput.py [--quick]

Starts `tanggap serve intake` (its consumers running, as in production) on a throw-away
database and topic prefix; each 202 means the case is committed and its events acknowledged
by Kafka (acks=all). First as fast as --concurrency requests in flight allow, then paced at
half the rate reached, for the latency. The no-op route gets the same two runs; its latency
run is paced at the same rate as intake's. Prints figures; asserts nothing.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import CpuShare, Result, median, percentile  # noqa: E402
from bench.noop_intake import KEY as NOOP_KEY  # noqa: E402
from services.runtime.settings import RuntimeSettings  # noqa: E402
from tests.support.load import Load  # noqa: E402
from tests.support.pipeline import Pipeline  # noqa: E402
from tests.support.processes import ServiceProcess, free_port  # noqa: E402
from tests.support.receiver import Receiver  # noqa: E402
from tests.support.stack import delete_topics_with_prefix  # noqa: E402


async def wait_healthy(url: str, proc: subprocess.Popen[bytes]) -> None:
    probe = ServiceProcess("noop", 0, {})
    probe.proc = proc
    probe.port = int(url.rsplit(":", 1)[1])
    await probe.wait_healthy(60)


def latencies(load: Load) -> list[float]:
    return [o.accepted_at - o.sent_at for o in load.accepted if o.accepted_at is not None]


async def rounds(url: str, key: str, count: int, concurrency: int, paced_at: float | None,
                 seconds: float) -> tuple[float, Load, Load, CpuShare]:
    """Warm up; as fast as possible; then paced (at `paced_at`, else half the fast rate)."""
    await Load(url, key, "warm" + uuid.uuid4().hex[:6], 200, concurrency=concurrency).run()
    with CpuShare() as cpu:
        fast = await Load(url, key, uuid.uuid4().hex[:8], count, concurrency=concurrency).run()
    rate = len(fast.accepted) / (fast.ended - fast.began)
    pace = paced_at or rate / 2
    paced = await Load(url, key, uuid.uuid4().hex[:8], max(50, int(pace * seconds)),
                       rate=pace, concurrency=concurrency).run()
    return rate, fast, paced, cpu


async def measure(quick: bool = False) -> list[Result]:
    count, concurrency, seconds = (400, 32, 5.0) if quick else (4000, 64, 30.0)
    run = uuid.uuid4().hex[:8]
    settings = RuntimeSettings(topic_prefix=f"bench{run}.")
    async with Receiver() as inbox:
        pipeline = Pipeline(settings, inbox, Path("/tmp"), f"tanggap_bench_{run}")
        try:
            await pipeline.start(["intake"])
            rate, fast, paced, cpu = await rounds(pipeline.intake_url, pipeline.key, count,
                                                  concurrency, None, seconds)
        finally:
            await pipeline.stop()
            await delete_topics_with_prefix(settings, settings.topic_prefix)
    port = free_port()
    noop = subprocess.Popen([sys.executable, str(Path(__file__).with_name("noop_intake.py")),
                             "--port", str(port)], start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        await wait_healthy(url, noop)
        base_rate, base_fast, base_paced, _ = await rounds(url, NOOP_KEY, count, concurrency,
                                                           rate / 2, seconds)
    finally:
        noop.terminate()
        noop.wait(10)
    lat, base_lat = latencies(paced), latencies(base_paced)
    statuses = dict(fast.statuses())
    note = f"{count} posts, {concurrency} in flight; statuses {statuses}"
    half = f"paced at {rate / 2:.0f}/s for {seconds:.0f} s"
    return [
        Result("intake accepted", rate, "complaints/s", base_rate, "no-op route", note),
        Result("intake HTTP p50 at half load", median(lat) * 1000, "ms",
               median(base_lat) * 1000, "no-op route, same rate", half),
        Result("intake HTTP p99 at half load", percentile(lat, 0.99) * 1000, "ms",
               percentile(base_lat, 0.99) * 1000, "no-op route, same rate", half),
        Result("load generator CPU (intake run)", cpu.of_busy * 100, "% of busy CPU",
               cpu.machine_busy * 100, "machine busy % of 2 cores",
               f"{cpu.own_seconds:.1f} CPU-s in the generator"),
    ]


if __name__ == "__main__":
    from bench.common import table

    print(table(asyncio.run(measure("--quick" in sys.argv))))
