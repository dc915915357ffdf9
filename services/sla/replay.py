"""The SLA's replay target: its recorded inputs through the live ClockKeeper, time from the log.

`tanggap replay sla` runs the keeper's inputs into a fresh schema; the keeper sends its own
output, here to a Recorder. Its timer fires by wall clock when it runs live, so a replay drives
it by the log's own times instead: the inputs are applied in `occurred_at` order (a log read
partition by partition is not in time order across topics, and an answer applied before its
assignment would move no clock; this holds the whole log in memory), and before each chunk
every stage due by the chunk's first input is fired. At the end, stages are fired up to the
horizon: the latest SLA event the log holds, the last instant the live timer is known to have
run. A stage's event id and
content (fire_at, due_at) come from the clock, not from when it fired, so they compare
exactly; only *whether* a stage near an input fired before it (a race of the live timer with
the consumer) or after the horizon (the live service stopped) cannot be reproduced. The cases
stay in memory while the log runs and are written to the fresh schema at the end
(services/sla/replay_store.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from schemas.envelope import Event
from schemas.topics import ASSIGNED, SLA
from services.runtime.database import connect, migrate
from services.runtime.producer import Outgoing
from services.runtime.replay import UNCOMPARED, Recorded, Recorder, ReplayTarget
from services.sla.app import INPUTS, MIGRATIONS
from services.sla.keeper import ClockKeeper
from services.sla.policy import load_policy
from services.sla.replay_store import MemoryCaseStore
from services.sla.settings import SlaSettings
from services.sla.timer import BATCH
from services.sla.transitions import TRANSITIONS, moves_clocks

NOTE = ("started, met, stopped, paused and resumed follow the inputs; a warning, breach or "
        "escalation (clock and stage above) missing on one side, with the same policy, is "
        "the live timer's timing: it fired the stage before an input it raced, or stopped "
        "before the stage came due")
# The policy version names the file a replay was told to use (like a router's rules version).
SLA_UNCOMPARED = UNCOMPARED | {"policy_version"}


class LogClock:
    """Time as the log tells it: the instant the replay has reached, never the wall clock."""

    def __init__(self) -> None:
        self.at = 0.0

    def now(self) -> float:
        return self.at

    async def wait(self, seconds: float, wake: Any) -> None:
        """Never waited on: a replay's timer does not run, it is stepped."""


def _instant(doc: dict[str, Any]) -> float:
    return datetime.fromisoformat(str(doc["occurred_at"])).timestamp()


async def target(settings: Any, fresh_schema: str) -> ReplayTarget:
    """The SLA's replay target (see services/runtime/replay.py)."""
    conf = SlaSettings.model_validate(settings.model_dump())
    policy = load_policy(conf.policy_path())
    pool = await connect(conf.database_url, fresh_schema, max_size=2)
    await migrate(pool, fresh_schema, MIGRATIONS)
    clock, recorder, store = LogClock(), Recorder(), MemoryCaseStore(conf.group("sla"))
    keeper = ClockKeeper(store, recorder, policy, clock,  # type: ignore[arg-type]
                         ASSIGNED.partitions)
    await keeper.take_partitions(frozenset(range(ASSIGNED.partitions)))
    horizon: dict[str, float] = {}

    def prepare(recorded: Recorded) -> None:
        times = [_instant(doc) for (topic, _), doc in recorded.items() if topic == SLA.name]
        if times:
            horizon["at"] = max(times)

    async def fire_until(at: float) -> None:
        """What the live timer fired by `at`: every stage due at or before it."""
        clock.at = max(clock.at, at)
        while True:
            async with keeper.lock:
                ids = keeper.timer.heap.pop_due(at, BATCH)
                if ids:
                    await keeper.fire(ids, at)
            await keeper.settle()
            if not ids:
                return

    async def handle(events: Sequence[Event]) -> Sequence[Outgoing]:
        # In time order (in_time_order below): whatever came due before this chunk's first
        # input has come due by then, and each input fires its own case's stages up to it.
        await fire_until(events[0].occurred_at.timestamp())
        clock.at = max(clock.at, events[-1].occurred_at.timestamp())
        moving = [e for e in events if moves_clocks(e)]  # as the live agents take them
        if moving:
            await keeper.handle_batch(moving)
        return recorder.take()

    async def finish() -> Sequence[Outgoing]:
        await fire_until(horizon.get("at", clock.at))
        await store.write(pool)
        return recorder.take()

    async def close() -> None:
        await keeper.settle()
        await pool.execute(f'DROP SCHEMA IF EXISTS "{fresh_schema}" CASCADE')
        await pool.close()

    return ReplayTarget(inputs=INPUTS, outputs=(SLA,), handler=handle, live_schema=None,
                        close=close, uncompared=SLA_UNCOMPARED, prepare=prepare, finish=finish,
                        in_time_order=True, note=NOTE, consumes=frozenset(TRANSITIONS))
