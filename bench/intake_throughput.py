"""Accepted complaints per second on one intake process, against the real Kafka and PostgreSQL.

Starts `tanggap serve intake` (with its consumers running, as in production) on a throw-away
database and topic prefix, then POSTs --requests distinct complaints with --concurrency
requests in flight. Each 202 means the case is committed in PostgreSQL and its three events
(ComplaintReceived, ComplaintAcknowledged, NotificationRequested) are acknowledged by Kafka
with acks=all. A second round re-delivers the same messages, the path a channel's retries
take. Prints figures only; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from aiokafka.admin import AIOKafkaAdminClient  # noqa: E402
from aiokafka.errors import KafkaError  # noqa: E402

from schemas.enums import Channel  # noqa: E402
from schemas.topics import LIFECYCLE  # noqa: E402
from services.intake.access.adapter_keys import create_key  # noqa: E402
from services.intake.app import MIGRATIONS  # noqa: E402
from services.runtime.admin import ensure_topics  # noqa: E402
from services.runtime.database import connect, migrate  # noqa: E402
from services.runtime.settings import RuntimeSettings  # noqa: E402
from tests.support.processes import ServiceProcess, free_port  # noqa: E402
from tests.support.stack import service_env  # noqa: E402


def complaint(n: int, run: str) -> dict[str, object]:
    return {"channel": "whatsapp", "channel_message_id": f"wamid.bench-{run}-{n}",
            "text": f"Jalan berlubang di depan SDN {n % 40}, mohon ditambal. "
                    f"Hubungi 0812-3456-{n % 10000:04d}.",
            "reporter": {"phone": f"+62812{n % 10_000_000:07d}", "name": f"Warga {n}"}}


async def fire(url: str, key: str, bodies: list[dict[str, object]],
               concurrency: int) -> tuple[float, list[float], Counter[int]]:
    """Send every body with `concurrency` in flight; wall time, latencies, status counts."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    queue: asyncio.Queue[dict[str, object]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits,
                                 headers={"X-API-Key": key}) as http:
        async def worker() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                started = time.perf_counter()
                answer = await http.post("/v1/complaints", json=body)
                latencies.append(time.perf_counter() - started)
                statuses[answer.status_code] += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - began, latencies, statuses


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process (Linux /proc), to report CPU per request."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measured(label: str, process: ServiceProcess, key: str,
                   bodies: list[dict[str, object]], concurrency: int) -> None:
    assert process.proc is not None
    before = cpu_seconds(process.proc.pid)
    wall, latencies, statuses = await fire(process.url, key, bodies, concurrency)
    cpu = cpu_seconds(process.proc.pid) - before
    report(label, wall, latencies, statuses)
    print(f"{'':12} intake CPU {cpu:.2f} s = {cpu / len(bodies) * 1000:.2f} ms per request "
          f"(~{len(bodies) / cpu:.0f} requests per CPU-second); machine load "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


def report(label: str, wall: float, latencies: list[float], statuses: Counter[int]) -> None:
    ordered = sorted(latencies)
    pct = {q: ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] * 1000
           for q in (50, 95, 99)}
    print(f"{label:12} {len(latencies):6d} requests in {wall:6.2f} s = "
          f"{statuses[202] / wall:7.1f} accepted/s | latency ms p50 {pct[50]:.1f} "
          f"p95 {pct[95]:.1f} p99 {pct[99]:.1f} max {ordered[-1] * 1000:.1f} "
          f"mean {statistics.fmean(ordered) * 1000:.1f} | statuses {dict(statuses)}")


async def main(requests: int, concurrency: int) -> None:
    run = uuid.uuid4().hex[:8]
    settings = RuntimeSettings(topic_prefix=f"bench-{run}.")
    database = f"tanggap_bench_{run}"
    admin_db = await asyncpg.connect(settings.database_url)
    await admin_db.execute(f'CREATE DATABASE "{database}"')
    database_url = urlunsplit(urlsplit(settings.database_url)._replace(path=f"/{database}"))
    process: ServiceProcess | None = None
    try:
        await ensure_topics(settings, LIFECYCLE)
        pool = await connect(database_url, "intake", max_size=2)
        await migrate(pool, "intake", MIGRATIONS)
        _, key = await create_key(pool, Channel.WHATSAPP, "bench", 1e9, 1_000_000)
        await pool.close()
        port = free_port()
        env = service_env(settings.topic_prefix, TANGGAP_INTAKE_PORT=str(port),
                          DATABASE_URL=database_url, TANGGAP_LOG_LEVEL="WARNING")
        process = await ServiceProcess("intake", port, env, tag="bench-intake").start()
        print(f"intake on one process (uvicorn, 1 worker); {requests} complaints, "
              f"{concurrency} in flight; Kafka acks=all, idempotent; PostgreSQL commit per case")
        await fire(process.url, key, [complaint(n, "warm") for n in range(200)], concurrency)
        bodies = [complaint(n, run) for n in range(requests)]
        await measured("new cases", process, key, bodies, concurrency)
        await measured("redelivered", process, key, bodies, concurrency)
    finally:
        if process is not None:
            process.stop()
        await admin_db.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin_db.close()
        kafka = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
        try:
            await kafka.start()
            await kafka.delete_topics([settings.topic(spec.name) for spec in LIFECYCLE])
        except KafkaError as exc:
            print(f"could not delete the bench topics {settings.topic_prefix}*: {exc!r}")
        finally:
            await kafka.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.concurrency))
