"""The Kafka broker killed -9 and restarted, then PostgreSQL restarted, under a steady load.

On a broker and a PostgreSQL server of the test's own (other ports, another directory):
the shared stack is never touched. Nobody restarts a service: they must recover by
themselves. While Kafka is down intake answers 503 with Retry-After, never 500, and every
202 it gave is kept: routed once, projected, clocks and webhooks complete.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from schemas.topics import SLA, agency_topics
from services.runtime.settings import RuntimeSettings
from tests.faults.conftest import Scale
from tests.support.kafka import Watcher
from tests.support.load import Load
from tests.support.own_stack import OwnStack
from tests.support.pipeline import SHORT_POLICY_STAGES, Pipeline
from tests.support.receiver import Receiver
from tests.support.tally import (
    ROUTING,
    drained,
    inbox_check,
    projection_check,
    routing_checks,
    settle,
    sla_check,
)

DOWN_SECONDS = 12.0  # how long each of Kafka and PostgreSQL stays down


@pytest.fixture
async def own_stack(workdir: Path) -> AsyncIterator[OwnStack]:
    own = OwnStack(workdir / "var")
    try:
        yield await own.start()
    finally:
        await own.stop()


def answers_between(load: Load, start: float, end: float) -> Counter[int]:
    """Status codes of every attempt answered within [start, end] (0: no answer)."""
    return Counter(status for o in load.outcomes for at, status in o.attempts
                   if start <= at <= end)


async def test_kafka_killed_and_postgres_restarted_under_load(
        own_stack: OwnStack, inbox: Receiver, workdir: Path, scale: Scale,
        report: Callable[[str], None]) -> None:
    settings = RuntimeSettings(kafka_bootstrap_servers=own_stack.bootstrap,
                               database_url=own_stack.database_url,
                               topic_prefix=f"own{uuid.uuid4().hex[:6]}.")
    pipeline = Pipeline(settings, inbox, workdir, "tanggap_faults_own")
    await pipeline.start()
    pipeline.supervise()  # counts exits; without it an exited service would stall the test
    try:
        topics = [*ROUTING, SLA.name, *(t.name for t in agency_topics(settings.directory()))]
        async with Watcher(settings, *topics) as watch:
            load = Load(pipeline.intake_url, pipeline.key, uuid.uuid4().hex[:6],
                        scale.complaints, rate=scale.rate, retry_for=600)
            running = asyncio.create_task(load.run())
            duration = scale.complaints / scale.rate
            began = time.monotonic()
            await asyncio.sleep(duration * 0.2)
            own_stack.kill_kafka()
            kafka_down = time.monotonic()
            await asyncio.sleep(DOWN_SECONDS)
            kafka_up = time.monotonic()
            await own_stack.start_kafka()
            kafka_back = time.monotonic()
            # Apart from the Kafka outage by at least 10 s, so each exit has one cause.
            await asyncio.sleep(max(10.0, began + duration * 0.6 - time.monotonic()))
            pg_down = time.monotonic()
            await own_stack.stop_postgres()
            await asyncio.sleep(DOWN_SECONDS)
            await own_stack.start_postgres()
            pg_back = time.monotonic()
            await running
            ids = {o.complaint_id for o in load.accepted if o.complaint_id}
            tickets = {o.complaint_id: next(iter(o.tickets)) for o in load.accepted
                       if o.complaint_id}
            state = await drained(pipeline, watch, inbox, ids, timeout=600)
            await asyncio.sleep(2.0)
            await settle(watch, topics)
            checks, assigned = routing_checks(watch, ids)
            checks.append(sla_check(watch, assigned, SHORT_POLICY_STAGES))
            assert pipeline.pool is not None
            checks.append(await projection_check(pipeline.pool, ids, tickets))
            checks.append(inbox_check(inbox, assigned))
        exits = [(name, code, "postgres" if pg_down <= at <= pg_back + 30 else
                  "kafka" if kafka_down <= at <= kafka_back + 5 else f"{at - began:.0f} s")
                 for name, code, at in pipeline.exits]
    finally:
        await pipeline.stop()

    statuses = load.statuses()
    during_kafka = answers_between(load, kafka_down + 1.0, kafka_back)
    during_pg = answers_between(load, pg_down + 1.0, pg_back)
    retry_after = Counter(v for o in load.outcomes for v in o.retry_after)
    report(f"\n[faults:{scale.name}] Kafka kill -9 for {DOWN_SECONDS:.0f} s (broker back in "
          f"{kafka_back - kafka_up:.1f} s), PostgreSQL down {pg_back - pg_down:.0f} s: "
          f"{len(load.outcomes)} posted, {len(ids)} accepted; all answers {dict(statuses)}; "
          f"answers while Kafka was down {dict(during_kafka)}, while PostgreSQL was "
          f"down {dict(during_pg)}; Retry-After values {dict(retry_after)}; {state}; "
          f"services that exited (name, code, during) and were restarted by the test's "
           f"supervisor: {exits or 'none'}")
    for check in checks:
        report("  " + check.line())
    assert 500 not in statuses
    assert all(v for v in retry_after), "every 503 carries Retry-After"
    assert len(ids) == scale.complaints
    assert all(c.ok for c in checks), [c.line() for c in checks if not c.ok]
    # Every service rides out both outages by itself (services/runtime/outage.py for the
    # database); the supervisor is there to count an exit, not to need one.
    assert exits == [], f"services exited during the outages: {exits}"
