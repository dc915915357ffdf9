"""Intake's replay target: the status projection rebuilt from the lifecycle topics.

`tanggap replay intake` runs the topics keep_case_status reads through its own
CaseStatusKeeper, on a fresh schema, and compares the projection's tables (case_status and
its public history, case_updates) with the live ones, restricted to the cases the replayed
namespace holds (intake's schema is shared by every namespace). Its outputs, notices to
citizens, are not compared: they need the contact each case opened with, which stays in
intake's registry and never travels on the log, so a fresh schema cannot know it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from schemas.envelope import Event
from schemas.sla import SlaStarted
from schemas.topics import SLA
from services.intake.app import MIGRATIONS
from services.intake.settings import IntakeSettings
from services.intake.state import IntakeState
from services.intake.status.lifecycle import TOPICS, CaseStatusKeeper
from services.runtime.database import connect, migrate
from services.runtime.producer import Outgoing
from services.runtime.replay import Recorder, ReplayTarget

LIVE_SCHEMA = "intake"
PROJECTION = ("case_status", "case_updates")
# Of an SLA clock's life the citizen's view shows only the response deadline (change_for);
# its other events are counted, not decoded.
IGNORED = frozenset(SLA.carries) - {SlaStarted}
CONSUMED = frozenset(kind for spec in TOPICS for kind in spec.carries) - IGNORED


async def target(settings: Any, fresh_schema: str) -> ReplayTarget:
    """Intake's replay target (see services/runtime/replay.py)."""
    conf = IntakeSettings.model_validate(settings.model_dump())
    pool = await connect(conf.database_url, fresh_schema, max_size=2)
    await migrate(pool, fresh_schema, MIGRATIONS)
    regency = conf.directory().regency
    # No HTTP client, no service catalogue: the projection's consumer uses neither.
    state = IntakeState(conf, pool, Recorder(), None, None, regency.center,  # type: ignore[arg-type]
                        regency.timezone)
    keeper = CaseStatusKeeper(state)

    async def handle(events: Sequence[Event]) -> Sequence[Outgoing]:
        notices = await keeper(events)
        await keeper.sent(events)  # as the batch loop does once Kafka has them
        return notices

    async def close() -> None:
        await pool.close()  # the command compares the tables, then drops the schema

    # The namespace's cases are the ones its log rebuilt; the live side of each table is
    # restricted to them.
    ours = " UNION ".join(f'SELECT complaint_id FROM "{fresh_schema}".{t}' for t in PROJECTION)
    return ReplayTarget(inputs=TOPICS, outputs=(), handler=handle, live_schema=LIVE_SCHEMA,
                        close=close, tables={t: f"complaint_id IN ({ours})" for t in PROJECTION},
                        in_time_order=True, consumes=CONSUMED)
