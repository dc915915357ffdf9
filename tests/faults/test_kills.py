"""kill -9 of the router, the SLA service and the notifier during a steady load: counts hold.

Every complaint that got a 202 is once on its routing topic (and once on its agency's topic if
assigned) and routed in the citizen's status projection; every stage of every clock is
emitted once; no notification reaches the agency inbox under two Idempotency-Keys.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable

from schemas.topics import SLA, agency_topics
from tests.faults.conftest import Scale
from tests.support.kafka import Watcher
from tests.support.load import Load
from tests.support.pipeline import SHORT_POLICY_STAGES, Pipeline
from tests.support.receiver import Receiver
from tests.support.tally import (
    ROUTING,
    WEBHOOKS_PER_CASE,
    drained,
    inbox_check,
    projection_check,
    routing_checks,
    settle,
    sla_check,
)


async def test_kill_9_router_sla_and_notifier_during_steady_load(
        pipeline_for: Callable[..., object], inbox: Receiver, scale: Scale,
        report: Callable[[str], None]) -> None:
    pipeline: Pipeline = await pipeline_for()  # type: ignore[operator]
    settings = pipeline.settings
    topics = [*ROUTING, SLA.name, *(t.name for t in agency_topics(settings.directory()))]
    async with Watcher(settings, *topics) as watch:
        load = Load(pipeline.intake_url, pipeline.key, uuid.uuid4().hex[:6], scale.complaints,
                    rate=scale.rate)
        running = asyncio.create_task(load.run())
        duration = scale.complaints / scale.rate
        schedule = [s for _ in range(scale.kills) for s in ("router", "sla", "notifier")]
        kills: list[str] = []
        began = time.monotonic()
        for i, service in enumerate(schedule):
            # Evenly spread over the load; a restart still under way delays the next kill.
            await asyncio.sleep(max(0.0, began + (i + 1) * duration / (len(schedule) + 1)
                                    - time.monotonic()))
            accepted = load.progress()
            await pipeline.restart(service)
            kills.append(f"{service}@{accepted}")
        await running
        ids = {o.complaint_id for o in load.accepted if o.complaint_id}
        tickets = {o.complaint_id: next(iter(o.tickets)) for o in load.accepted
                   if o.complaint_id}
        state = await drained(pipeline, watch, inbox, ids, timeout=300 + scale.complaints * 0.2)
        await asyncio.sleep(2.0)  # a stray duplicate would arrive now
        await settle(watch, topics)
        checks, assigned = routing_checks(watch, ids)
        checks.append(sla_check(watch, assigned, SHORT_POLICY_STAGES))
        assert pipeline.pool is not None
        checks.append(await projection_check(pipeline.pool, ids, tickets))
        checks.append(inbox_check(inbox, assigned))
    statuses = load.statuses()
    report(f"\n[faults:{scale.name}] kill -9 router/sla/notifier: {len(load.outcomes)} posted, "
          f"{len(ids)} accepted (statuses {dict(statuses)}), {len(assigned)} assigned; "
          f"kills at accepted count: {', '.join(kills)}; {state}; "
          f"webhooks per assigned case {sum(WEBHOOKS_PER_CASE.values())}")
    for check in checks:
        report("  " + check.line())
    assert len(ids) == scale.complaints, "every posted complaint must get its 202"
    assert len(kills) == 3 * scale.kills
    assert all(c.ok for c in checks), [c.line() for c in checks if not c.ok]
