"""A stand-in replay target for `tanggap replay --target`: acknowledges cases into a table."""

from __future__ import annotations

import os
from collections.abc import Sequence

from schemas.envelope import Event
from schemas.intake import ComplaintAcknowledged, ComplaintReceived
from schemas.topics import ACKNOWLEDGED, RECEIVED
from services.runtime.database import connect
from services.runtime.producer import Outgoing
from services.runtime.replay import ReplayTarget
from services.runtime.settings import RuntimeSettings

LIVE_SCHEMA_ENV = "REPLAY_TEST_LIVE_SCHEMA"
TABLE = "CREATE TABLE IF NOT EXISTS acks (complaint_id text PRIMARY KEY, ticket text NOT NULL)"


def ack(event: ComplaintReceived) -> ComplaintAcknowledged:
    return ComplaintAcknowledged(**event.caused("ack"), ticket=event.ticket,
                                 channel=event.channel)


async def target(settings: RuntimeSettings, fresh: str) -> ReplayTarget:
    pool = await connect(settings.database_url, fresh, max_size=2)
    await pool.execute(f'CREATE SCHEMA IF NOT EXISTS "{fresh}"')
    await pool.execute(TABLE)

    async def handler(events: Sequence[Event]) -> Sequence[Outgoing]:
        received = [e for e in events if isinstance(e, ComplaintReceived)]
        await pool.executemany("INSERT INTO acks VALUES ($1, $2) ON CONFLICT DO NOTHING",
                               [(e.complaint_id, e.ticket) for e in received])
        return [(ACKNOWLEDGED.name, ack(e)) for e in received]

    return ReplayTarget([RECEIVED], [ACKNOWLEDGED], handler, os.environ[LIVE_SCHEMA_ENV],
                        pool.close)
