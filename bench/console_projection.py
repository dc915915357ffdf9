"""The console's projection and pages: events applied per second from the real Kafka, and
page times with thousands of cases, each beside a baseline measured in the same run.

Produces --cases made-up cases (received, triaged or assigned with a running clock) to a
throw-away topic prefix, then times (a) a bare aiokafka read of the same records (baseline)
and (b) the console's ProjectionConsumer applying them to a throw-away database. Then renders
the queue, the SLA board, an agency inbox and a status page in process, beside /healthz.
Prints figures only; nothing here is asserted.
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
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # noqa: E402
from aiokafka import AIOKafkaConsumer  # noqa: E402

from schemas.enums import Channel  # noqa: E402
from schemas.intake import ComplaintReceived  # noqa: E402
from schemas.routing import ComplaintAssigned, ComplaintTriaged  # noqa: E402
from schemas.sla import SlaStarted  # noqa: E402
from schemas.topics import ASSIGNED, LIFECYCLE, RECEIVED, SLA, TRIAGE  # noqa: E402
from services.console.app import MIGRATIONS, create_app  # noqa: E402
from services.console.consumer import TOPICS, ProjectionConsumer, Projector  # noqa: E402
from services.console.settings import ConsoleSettings  # noqa: E402
from services.runtime.admin import ensure_topics  # noqa: E402
from services.runtime.database import connect, migrate  # noqa: E402
from services.runtime.producer import EventProducer  # noqa: E402
from tests.support.stack import delete_topics_with_prefix  # noqa: E402

AGENCIES = ["dinas-pupr", "dlh", "disdik", "dinkes", "dishub"]


def case_events(i: int, now: datetime) -> list[tuple[str, object]]:
    cid, ticket, opened = f"b-{uuid.uuid4().hex}", f"KTP-B-{i:06d}", now - timedelta(hours=i % 47)
    out: list[tuple[str, object]] = [(RECEIVED.name, ComplaintReceived(
        complaint_id=cid, occurred_at=opened, ticket=ticket, channel=Channel.WHATSAPP,
        channel_message_id=cid, text=f"Aduan nomor {i} tentang jalan rusak"))]
    if i % 2:
        out.append((TRIAGE.name, ComplaintTriaged(
            complaint_id=cid, occurred_at=opened, ticket=ticket, agency="diskominfo",
            confidence=0.3, rules_version="bench")))
    else:
        agency = AGENCIES[i % len(AGENCIES)]
        out.append((ASSIGNED.name, ComplaintAssigned(
            complaint_id=cid, occurred_at=opened, ticket=ticket, agency=agency,
            rules_version="bench")))
        out.append((SLA.name, SlaStarted(
            complaint_id=cid, occurred_at=opened, clock_id=f"{cid}:{agency}:response",
            agency=agency, due_at=opened + timedelta(hours=48), policy_version="bench",
            started_at=opened)))
    return out


async def bare_read(settings: ConsoleSettings, total: int) -> float:
    consumer = AIOKafkaConsumer(*(settings.topic(t.name) for t in TOPICS),
                                bootstrap_servers=settings.kafka_bootstrap_servers,
                                group_id=None, auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    started, seen = time.perf_counter(), 0
    try:
        while seen < total:
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            seen += sum(len(r) for r in batches.values())
    finally:
        await consumer.stop()
    return time.perf_counter() - started


async def main(cases: int) -> None:
    prefix = f"bconsole{uuid.uuid4().hex[:6]}."
    base = ConsoleSettings()
    name = "tanggap_" + prefix.strip(".")
    admin = await asyncpg.connect(base.database_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = urlunsplit(urlsplit(base.database_url)._replace(path=f"/{name}"))
    settings = ConsoleSettings(topic_prefix=prefix, database_url=url, console_consumers=False,
                               console_secret_key="bench")
    await ensure_topics(settings, LIFECYCLE)
    try:
        now = datetime.now(UTC)
        events = [e for i in range(cases) for e in case_events(i, now)]
        producer = EventProducer(settings, client_id="bench-console")
        await producer.start()
        for start in range(0, len(events), 2000):
            await producer.send_many(events[start:start + 2000])  # type: ignore[arg-type]
        baseline = await bare_read(settings, len(events))
        pool = await connect(url, "console", max_size=4)
        await migrate(pool, "console", MIGRATIONS)
        consumer = ProjectionConsumer(settings, Projector(settings, pool, producer))
        started = time.perf_counter()
        await consumer.start()
        while True:  # polled: the consumer has no completion signal of its own
            if await pool.fetchval("SELECT count(*) FROM case_events") >= len(events):
                break
            await asyncio.sleep(0.2)
        applied = time.perf_counter() - started
        await consumer.stop()
        print(f"events: {len(events)} for {cases} cases")
        print(f"  bare aiokafka read (baseline): {len(events) / baseline:8.0f} events/s")
        print(f"  console projection applied:    {len(events) / applied:8.0f} events/s "
              "(one transaction per poll batch)")
        await pages(settings, pool)
        await pool.close()
        await producer.stop()
    finally:
        await delete_topics_with_prefix(settings, prefix)
        admin = await asyncpg.connect(base.database_url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def pages(settings: ConsoleSettings, pool: asyncpg.Pool) -> None:
    from fastapi.testclient import TestClient

    from services.console import accounts
    from services.console.access import Role

    def timed(client: TestClient, path: str, rounds: int = 15) -> str:
        times, size = [], 0
        for _ in range(rounds):
            started = time.perf_counter()
            answer = client.get(path)
            times.append(time.perf_counter() - started)
            assert answer.status_code == 200, (path, answer.status_code)
            size = answer.text.count("<tr") + answer.text.count('class="card"')
        return f"{statistics.median(times) * 1000:7.1f} ms  ({size} rows)"

    def run() -> None:
        with TestClient(create_app(settings), follow_redirects=False) as client:
            state = client.app.state.console  # type: ignore[attr-defined]
            hashed = state.hasher.hash("bench-pass")
            for user, role, agency in (("b-op", Role.SUPERVISOR, None),
                                       ("b-ag", Role.AGENCY, "dinas-pupr")):
                client.portal.call(accounts.create_user, state.pool, user, user, role, agency,
                                   hashed)
            ticket = "KTP-B-000002"
            print("pages (median of 15, in process):")
            print(f"  /healthz (baseline)        {timed(client, '/healthz')}")
            print(f"  /lapor/{ticket}      {timed(client, f'/lapor/{ticket}')}")
            for user, paths in (("b-op", ["/operator/antrian", "/operator/sla",
                                          "/operator/cari?teks=jalan"]),
                                ("b-ag", ["/instansi"])):
                page = client.get("/masuk").text
                token = page.split('name="token" value="')[1].split('"')[0]
                client.post("/masuk", data={"username": user, "password": "bench-pass",
                                            "token": token})
                for path in paths:
                    print(f"  {path:26} {timed(client, path)}")
                client.cookies.clear()

    await asyncio.to_thread(run)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=2000)
    asyncio.run(main(parser.parse_args().cases))
