"""From a ticket or complaint id to its timelines: the index says where, the log says what."""

from __future__ import annotations

import time

from services.audit import metrics
from services.audit.index import INDEXED
from services.audit.logreader import LogReader
from services.audit.store import IndexStore
from services.audit.timeline import Timeline, assemble
from services.runtime.settings import RuntimeSettings


async def timelines(reference: str, store: IndexStore, reader: LogReader,
                    settings: RuntimeSettings) -> list[Timeline]:
    """Every case the reference names (one, unless a ticket was reused), read from Kafka."""
    started = time.perf_counter()
    topics = [settings.topic(s.name) for s in INDEXED]
    found = []
    for complaint_id in await store.complaint_ids(reference):
        located = await store.locate(complaint_id, topics)
        if not located:
            continue
        records = await reader.fetch((loc.topic, loc.partition, loc.offset) for loc in located)
        found.append(assemble(complaint_id, located,
                              {pos: record.value for pos, record in records.items()}))
    metrics.TIMELINE.observe(time.perf_counter() - started)
    return found
