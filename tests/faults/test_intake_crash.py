"""kill -9 of intake between its database commit and Kafka's acknowledgement.

Two ways in: real kills during a steady load (a request in flight has often committed and
not yet been acknowledged; the adapter's retry must then find the case), and the exact
moment, reproduced by committing a case without publishing it while intake is down (the
crash-before-publish hook of tests/integration/intake/test_exactly_once.py). Either way:
one case and one ticket per message, one ComplaintReceived per case, routed once.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable

import httpx

from schemas.envelope import utcnow
from schemas.intake import ComplaintSubmission
from schemas.topics import RECEIVED
from services.intake.cases.accept import new_case
from services.intake.cases.registry import open_case_retrying
from tests.faults.conftest import Scale
from tests.support.kafka import Watcher
from tests.support.load import Load, complaint
from tests.support.pipeline import Pipeline
from tests.support.tally import ROUTING, decoded, once, routing_checks, settle, wait_until


async def committed_not_published(pipeline: Pipeline, body: dict[str, object]) -> str:
    """The first half of accepting, as if intake died right after its commit."""
    assert pipeline.pool is not None
    now = utcnow()
    case = await open_case_retrying(
        pipeline.pool, "KTP", now.year,
        new_case(ComplaintSubmission.model_validate(body), "ketapang", "diskominfo", now))
    assert case.created and case.pending
    return case.ticket


async def test_kill_9_intake_between_commit_and_ack(
        pipeline_for: Callable[..., object], scale: Scale,
        report: Callable[[str], None]) -> None:
    pipeline: Pipeline = await pipeline_for("intake", "router")  # type: ignore[operator]
    settings = pipeline.settings
    tag = uuid.uuid4().hex[:6]
    async with Watcher(settings, RECEIVED.name, *ROUTING) as watch:
        # The exact moment, several times: commit, no publish, intake down; then it restarts
        # and the adapter redelivers.
        intake = pipeline.procs["intake"]
        await asyncio.to_thread(intake.kill)
        exact = [complaint(f"x{tag}", n) for n in range(max(3, scale.kills * 3))]
        exact_tickets = [await committed_not_published(pipeline, b) for b in exact]
        await intake.start(timeout=120)
        async with httpx.AsyncClient(base_url=pipeline.intake_url, timeout=30,
                                     headers={"X-API-Key": pipeline.key}) as http:
            again = [(await http.post("/v1/complaints", json=b)).json() for b in exact]

        # Real kills under load: the adapter retries every message until its 202.
        # Three times the rate of the other cases: more requests in flight when the kill lands.
        load = Load(pipeline.intake_url, pipeline.key, tag, scale.complaints,
                    rate=3 * scale.rate, concurrency=32)
        running = asyncio.create_task(load.run())
        duration = scale.complaints / load.rate
        began = time.monotonic()
        kills = []
        for i in range(scale.kills):
            await asyncio.sleep(max(0.0, began + (i + 1) * duration / (scale.kills + 1)
                                    - time.monotonic()))
            kills.append(load.progress())
            await pipeline.restart("intake")
        await running

        ids = {o.complaint_id for o in load.accepted if o.complaint_id}
        ids |= {a["complaint_id"] for a in again}
        await wait_until(lambda: {e.complaint_id for t in ROUTING for e in decoded(watch, t)}
                         >= ids, 300, "every accepted complaint routed")
        await asyncio.sleep(2.0)
        await settle(watch, [RECEIVED.name, *ROUTING])
        received = [e for e in decoded(watch, RECEIVED.name) if e.complaint_id in ids]
        checks = routing_checks(watch, ids)[0][:1]  # agency topics: see test_kills
        by_id = Counter(e.complaint_id for e in received)
        pairs = {(e.complaint_id, str(e.event_id)) for e in received}
        checks.insert(0, once("ComplaintReceived (by id)", ids, [c for c, _ in pairs],
                              **{"repeated records": sum(n - 1 for n in by_id.values())}))
        assert pipeline.pool is not None
        cases_per_message = await pipeline.pool.fetch(
            "SELECT channel_message_id, count(*) AS n FROM cases"
            " WHERE channel_message_id LIKE $1 GROUP BY channel_message_id", f"load-{tag}-%")

    retried = [o for o in load.outcomes if 0 in o.statuses or 503 in o.statuses]
    found = [o for o in retried if o.duplicate]
    several_tickets = [o.n for o in load.outcomes if len(o.tickets) != 1]
    statuses = load.statuses()
    same = sum(a["ticket"] == t for a, t in zip(again, exact_tickets, strict=True))
    report(f"\n[faults:{scale.name}] kill -9 intake: exact moment x{len(exact)}: retries got "
          f"the stored ticket {same}"
          f"/{len(exact)}; under load: {len(load.outcomes)} posted, {len(load.accepted)} "
          f"accepted, kills at accepted count {kills}; {len(retried)} messages retried after "
          f"a dead connection or 503, {len(found)} of them found the case their first attempt "
          f"had committed; statuses {dict(statuses)}; messages with other than one ticket "
          f"{len(several_tickets)}; cases per message max "
          f"{max(r['n'] for r in cases_per_message)} over {len(cases_per_message)} messages")
    for check in checks:
        report("  " + check.line())
    assert [a["ticket"] for a in again] == exact_tickets
    assert all(a["duplicate"] for a in again)
    assert len(load.accepted) == scale.complaints
    assert not several_tickets
    assert len(cases_per_message) == scale.complaints
    assert all(r["n"] == 1 for r in cases_per_message)
    assert 500 not in statuses
    assert all(c.ok for c in checks), [c.line() for c in checks if not c.ok]
