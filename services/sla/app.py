"""SLA's Faust worker: its agents consume assignments, answers, redirections and withdrawals;
a timer fires warnings, breaches and escalations; the web app serves the evaluation report."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from schemas.topics import ASSIGNED, REDIRECTED, RESPONSES, UPDATED
from services.runtime.database import connect, migrate
from services.runtime.kafka_security import kafka_client_options
from services.runtime.outage import riding_out
from services.runtime.stream import StreamService
from services.sla.catch_up import wait_caught_up
from services.sla.keeper import ClockKeeper
from services.sla.policy import load_policy
from services.sla.routes import report_router
from services.sla.settings import SlaSettings
from services.sla.store import CaseStore
from services.sla.timer import Clock, SystemClock
from services.sla.transitions import moves_clocks

MIGRATIONS = Path(__file__).parent / "migrations"
SCHEMA = "sla"
# What moves a clock; complaints.updated also carries edits, which move none.
INPUTS = (ASSIGNED, RESPONSES, REDIRECTED, UPDATED)
log = logging.getLogger(__name__)


def build(settings: SlaSettings, clock: Clock | None = None) -> StreamService:
    policy = load_policy(settings.policy_path())
    service = StreamService("sla", settings, web_port=settings.sla_web_port,
                            routers=[report_router(settings, policy)])
    holder: dict[str, Any] = {}
    input_topic = settings.topic(ASSIGNED.name)
    input_topics = {settings.topic(spec.name) for spec in INPUTS}

    async def open_resources() -> None:
        pool = await connect(settings.database_url, SCHEMA)
        await migrate(pool, SCHEMA, MIGRATIONS)
        keeper = ClockKeeper(CaseStore(pool, settings.group("sla")), service.producer, policy,
                             clock or SystemClock(), ASSIGNED.partitions, service.crash)
        holder.update(pool=pool, keeper=keeper,
                      timer=guarded(keeper.timer.fire_due_deadlines()))
        log.info("sla policy %s from %s", policy.version, settings.policy_path())

    def guarded(work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """A background task whose failure crashes the worker, like an agent's would."""
        def check(task: asyncio.Task[None]) -> None:
            if not task.cancelled() and task.exception() is not None:
                service.crash(task.exception())  # type: ignore[arg-type]

        task = asyncio.ensure_future(work)
        task.add_done_callback(check)
        return task

    async def close_resources() -> None:
        for task in (holder.get("rebuild"), holder["timer"]):
            if task is not None:
                task.cancel()
        await holder["keeper"].settle()  # fired stages already sent: record them
        await holder["pool"].close()

    async def keep_clocks(events: Any) -> Any:
        return await holder["keeper"].handle_batch(events)

    async def stop_withdrawn(events: Any) -> Any:
        withdrawn = [e for e in events if moves_clocks(e)]
        return await holder["keeper"].handle_batch(withdrawn) if withdrawn else []

    async def on_assigned(sender: Any, assigned: Any, **_: Any) -> None:
        owned = frozenset(tp.partition for tp in assigned if tp.topic == input_topic)
        inputs = [tp for tp in assigned if tp.topic in input_topics]

        async def rebuild() -> None:
            await service.ready.wait()
            keeper: ClockKeeper = holder["keeper"]
            await riding_out(lambda: keeper.take_partitions(owned), "sla_rebuild")
            await wait_caught_up(settings.kafka_bootstrap_servers, settings.group("sla"), inputs,
                                 lambda tps: service.app.consumer.highwaters(*tps),
                                 settings.sla_catch_up_limit_seconds,
                                 **kafka_client_options(settings))
            keeper.start_firing()

        # In the background: reading a million entries must not stall the rebalance itself.
        holder["rebuild"] = guarded(rebuild())

    async def on_revoked(sender: Any, revoked: Any, **_: Any) -> None:
        if holder.get("rebuild") is not None:
            holder["rebuild"].cancel()
        if "keeper" in holder:
            await holder["keeper"].release_partitions()

    service.on_start(open_resources)
    service.on_stop(close_resources)
    service.app.on_partitions_assigned.connect(on_assigned)
    service.app.on_partitions_revoked.connect(on_revoked)
    service.consume_batch(ASSIGNED, keep_clocks, name="start_clocks")
    service.consume_batch(RESPONSES, keep_clocks, name="meet_clocks")
    service.consume_batch(REDIRECTED, keep_clocks, name="stop_redirected_clocks")
    service.consume_batch(UPDATED, stop_withdrawn, name="stop_withdrawn_clocks")
    return service
