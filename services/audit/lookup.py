"""From a ticket or complaint id to its timelines: the index says where, the log says what."""

from __future__ import annotations

import time

from services.audit import metrics
from services.audit.deadletters import DeadLetter
from services.audit.index import DEAD_LETTER, TOPIC_NAMES
from services.audit.logreader import LogReader
from services.audit.store import IndexStore
from services.audit.timeline import Timeline, assemble
from services.runtime.settings import RuntimeSettings


async def timelines(reference: str, store: IndexStore, reader: LogReader,
                    settings: RuntimeSettings) -> list[Timeline]:
    """Every case the reference names (one, unless a ticket was reused), read from Kafka."""
    started = time.perf_counter()
    topics = [settings.topic(name) for name in TOPIC_NAMES]
    names = {settings.topic(name): name for name in TOPIC_NAMES}
    found = []
    for complaint_id in await store.complaint_ids(reference):
        located = await store.locate(complaint_id, topics)
        if not located:
            continue
        records = await reader.fetch((loc.topic, loc.partition, loc.offset) for loc in located)
        letters = {(loc.topic, loc.partition, loc.offset): loc for loc in located
                   if loc.type == DEAD_LETTER}
        found.append(assemble(
            complaint_id, located,
            {pos: r.value for pos, r in records.items() if pos not in letters},
            {pos: DeadLetter(names[pos[0]], r.partition, r.offset, r.timestamp, r.key, r.value,
                             tuple(r.headers or ())) for pos, r in records.items()
             if pos in letters}))
    metrics.TIMELINE.observe(time.perf_counter() - started)
    return found
