"""Labelled examples from the log: operators' assignments and agencies' redirects, with texts.

Every AssignComplaint on the commands topic and every ComplaintRedirected that names the next
agency is a human saying where a complaint belongs; its text is the case's ComplaintReceived.
The router's own decisions are not read: learning from them would only teach it itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas.codec import decode
from schemas.directory import Directory
from schemas.envelope import Event
from schemas.intake import ComplaintReceived
from schemas.routing import AssignComplaint, ComplaintRedirected
from schemas.topics import COMMANDS, RECEIVED, REDIRECTED, TopicSpec
from services.router.training import Example
from services.runtime.kafka_security import kafka_client_options
from services.runtime.settings import RuntimeSettings

READ = (RECEIVED, COMMANDS, REDIRECTED)


def label_examples(events: Iterable[Event], directory: Directory) -> list[Example]:
    """Join human routing decisions to their complaints' texts; the latest decision wins."""
    texts: dict[str, str] = {}
    labels: dict[str, tuple[datetime, str, str]] = {}
    center = directory.regency.center
    for event in events:
        if isinstance(event, ComplaintReceived):
            texts[event.complaint_id] = event.text
            continue
        if isinstance(event, AssignComplaint):
            agency, source = event.agency, "log:operator"
        elif isinstance(event, ComplaintRedirected) and event.to_agency:
            agency, source = event.to_agency, "log:redirect"
        else:
            continue
        holder = directory.get(agency)
        # What the router rejects (an unknown agency, the center) taught nobody anything.
        if holder is None or agency == center or holder.kind == "district":
            continue
        prior = labels.get(event.complaint_id)
        if prior is None or prior[0] <= event.occurred_at:
            labels[event.complaint_id] = (event.occurred_at, agency, source)
    return [Example(texts[cid], agency, source) for cid, (_, agency, source)
            in sorted(labels.items()) if cid in texts]


async def read_log(settings: RuntimeSettings, specs: dict[str, TopicSpec]) -> list[Event]:
    """Every event on the topics training reads, from the beginning to the end as it is now."""
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                                **kafka_client_options(settings),
                                group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        parts = [TopicPartition(settings.topic(t.name), p) for t in READ
                 for p in range(specs[t.name].partitions)]
        consumer.assign(parts)
        ends = await consumer.end_offsets(parts)
        await consumer.seek_to_beginning(*parts)
        pending = {tp for tp, end in ends.items() if end > 0}
        events: list[Event] = []
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=1000, max_records=2000)
            for tp, records in batch.items():
                for record in records:
                    if record.offset < ends[tp] and record.value:
                        try:
                            events.append(decode(record.value))
                        except ValueError:
                            continue  # not an event of ours: the router dead-letters those
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
        return events
    finally:
        await consumer.stop()
