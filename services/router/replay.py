"""The router's replay target: its recorded inputs through its own batch handlers, fresh schema.

`tanggap replay router` reads complaints.received, .commands, .responses and .updated
from offset zero and hands each batch to the same handlers the live agents run, with their
state in a fresh PostgreSQL schema; the decisions they return are compared with the log. The
router's tables are shared by every topic namespace (scope), so the live tables are not
compared whole: the decisions are the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

from schemas.envelope import Event
from schemas.intake import (
    ComplaintEdited,
    ComplaintEnriched,
    ComplaintReceived,
    ComplaintWithdrawn,
)
from schemas.routing import AssignComplaint
from schemas.topics import (
    ASSIGNED,
    COMMANDS,
    EXTERNAL,
    LINKED,
    RECEIVED,
    REDIRECTED,
    RESPONSES,
    SUPPRESSED,
    TRIAGE,
    UPDATED,
    agency_topics,
    catalogue,
)
from services.router.app import MIGRATIONS
from services.router.handlers import RouterHandlers
from services.router.outbox import KafkaLookup, Outbox
from services.router.rules import load_rules
from services.router.settings import RouterSettings
from services.runtime.database import connect, migrate
from services.runtime.producer import Outgoing
from services.runtime.replay import ReplayTarget

# Inputs per handler call. A near-duplicate's candidates from its own batch are scanned
# whole for every complaint (handlers.py, _open_cases), a cost that grows with the batch.
BATCH = 500


async def target(settings: Any, fresh_schema: str) -> ReplayTarget:
    """The router's replay target (see services/runtime/replay.py)."""
    conf = RouterSettings.model_validate(settings.model_dump())
    directory = conf.directory()
    handlers = RouterHandlers(load_rules(conf.rules_path(), directory), directory,
                              scope=conf.topic_prefix)
    partitions = {s.name: s.partitions for s in catalogue(directory)}
    lookup = KafkaLookup(conf, partitions)  # only asked about interrupted sends: none here
    pool = await connect(conf.database_url, fresh_schema, max_size=2)
    await migrate(pool, fresh_schema, MIGRATIONS)
    handlers.pool, handlers.outbox = pool, Outbox(lookup, partitions)
    by_type = {ComplaintReceived: handlers.route_complaints,
               AssignComplaint: handlers.apply_operator_commands,
               **dict.fromkeys((ComplaintEdited, ComplaintEnriched, ComplaintWithdrawn),
                               handlers.amend_cases)}

    async def handle(events: Sequence[Event]) -> Sequence[Outgoing]:
        # The live agents take one topic each; a replay batch mixes them, in log order.
        out: list[Outgoing] = []
        for kind, run in groupby(events, key=type):
            chunk = list(run)
            out += await by_type.get(kind, handlers.redirect_cases)(chunk)
            await handlers.mark_sent(chunk)  # as the live loop does once Kafka has them
        return out

    async def close() -> None:
        await lookup.stop()
        await pool.execute(f'DROP SCHEMA IF EXISTS "{fresh_schema}" CASCADE')
        await pool.close()

    outputs = (ASSIGNED, TRIAGE, SUPPRESSED, EXTERNAL, REDIRECTED, LINKED,
               *agency_topics(directory))
    return ReplayTarget(inputs=(RECEIVED, COMMANDS, RESPONSES, UPDATED), outputs=outputs,
                        handler=handle, live_schema=None, close=close, batch=BATCH)
