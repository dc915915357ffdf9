"""1% poison records on every consumed topic: each dead-lettered, with its reason, by every
service that consumes the topic; the clean complaints beside them are unaffected.

The same load runs twice on one pipeline, clean and then poisoned; the pipeline's throughput
(accepted complaints until routed and projected) of both runs is printed, not asserted.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict
from collections.abc import Callable

from aiokafka import AIOKafkaProducer

from schemas.topics import (
    ASSIGNED,
    COMMANDS,
    EXTERNAL,
    NOTIFY_REQUESTS,
    RECEIVED,
    REDIRECTED,
    RESPONSES,
    SLA,
    SUBMISSIONS,
    SUPPRESSED,
    TRIAGE,
    agency_topics,
    dead_letter,
)
from tests.faults.conftest import Scale
from tests.support.kafka import Watcher
from tests.support.load import Load
from tests.support.pipeline import SHORT_POLICY_STAGES, Pipeline
from tests.support.receiver import Receiver
from tests.support.tally import (
    ROUTING,
    Check,
    drained,
    inbox_check,
    projection_check,
    routing_checks,
    settle,
    sla_check,
)

# Who consumes what (dlq.service of each consumer), as the README's diagram has it.
CONSUMERS: dict[str, set[str]] = {
    SUBMISSIONS.name: {"intake"},
    RECEIVED.name: {"router", "intake"},
    COMMANDS.name: {"router"},
    RESPONSES.name: {"router", "sla", "intake"},
    ASSIGNED.name: {"sla", "notifier", "intake"},
    REDIRECTED.name: {"sla", "intake"},
    TRIAGE.name: {"intake"},
    SUPPRESSED.name: {"intake"},
    EXTERNAL.name: {"intake"},
    SLA.name: {"notifier", "intake"},
    NOTIFY_REQUESTS.name: {"notifier"},
}
POISONS = (b"{not json",
           b'{"type": "ComplaintReceived", "complaint_id": "poison"}',  # fields missing
           b'{"type": "NoSuchEvent", "event_id": "00000000-0000-0000-0000-000000000000"}',
           b"\xff\xfe binary")


# Records per complaint a topic carries in this load (sla.clocks: six stages per clock);
# topics the HTTP load leaves empty get as many poison records as complaints.received.
VOLUME = {SLA.name: 6}


async def inject(pipeline: Pipeline, complaints: int, over: float
                 ) -> list[tuple[str, int, int, bytes]]:
    """1% poison on every consumed topic, spread over `over` seconds; returns (topic,
    partition, offset, value) of each."""
    count = {t: max(1, complaints * VOLUME.get(t, 1) // 100) for t in CONSUMERS}
    per_topic = max(count.values())
    settings = pipeline.settings
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
    await producer.start()
    sent = []
    try:
        for i in range(per_topic):
            for j, topic in enumerate(CONSUMERS):
                if i >= count[topic]:
                    continue
                value = POISONS[(i + j) % len(POISONS)]
                meta = await producer.send_and_wait(settings.topic(topic), value,
                                                    key=f"poison-{i}-{j}".encode())
                sent.append((topic, meta.partition, meta.offset, value))
            await asyncio.sleep(over / per_topic)
    finally:
        await producer.stop()
    return sent


def dead_letter_check(watch: Watcher, sent: list[tuple[str, int, int, bytes]]) -> Check:
    """Each poison record once on its topic's .dlq per consuming service, bytes untouched,
    with a reason."""
    parked: dict[tuple[str, int, int], list[tuple[str, str, bytes]]] = defaultdict(list)
    for record in watch.records:
        if record.topic.endswith(".dlq"):
            h = {k: v.decode(errors="replace") for k, v in record.headers}
            parked[(h.get("dlq.source.topic", ""), int(h.get("dlq.source.partition", -1)),
                    int(h.get("dlq.source.offset", -1)))].append(
                (h.get("dlq.service", ""), h.get("dlq.reason", ""), record.value))
    expected = missing = doubled = no_reason = altered = 0
    for topic, partition, offset, value in sent:
        entries = parked[(topic, partition, offset)]
        services = [s for s, _, _ in entries]
        for service in CONSUMERS[topic]:
            expected += 1
            missing += services.count(service) == 0
            doubled += services.count(service) > 1
        no_reason += sum(1 for _, reason, _ in entries if not reason.strip())
        if not topic.endswith("complaints.submissions"):  # those carry contact data: their
            altered += sum(1 for _, _, v in entries if v != value)  # dead letter is redacted
    return Check("poison dead-lettered", expected, missing, doubled,
                 {"without reason": no_reason, "bytes altered": altered,
                  "poison records": len(sent)})


async def test_one_percent_poison_on_every_consumed_topic(
        pipeline_for: Callable[..., object], inbox: Receiver, scale: Scale,
        report: Callable[[str], None]) -> None:
    pipeline: Pipeline = await pipeline_for()  # type: ignore[operator]
    settings = pipeline.settings
    topics = [*ROUTING, SLA.name, *(t.name for t in agency_topics(settings.directory()))]
    dlqs = [dead_letter(t) for t in CONSUMERS]
    async with Watcher(settings, *topics, *dlqs) as watch:
        warm = await Load(pipeline.intake_url, pipeline.key, "w" + uuid.uuid4().hex[:6],
                          20, concurrency=8).run()
        await drained(pipeline, watch, inbox, {o.complaint_id for o in warm.accepted
                                               if o.complaint_id}, 120, full=False)
        rates = {}
        for run in ("clean", "poisoned"):
            load = Load(pipeline.intake_url, pipeline.key, uuid.uuid4().hex[:6],
                        scale.complaints, concurrency=16)
            began = time.monotonic()
            posting = asyncio.create_task(load.run())
            sent: list[tuple[str, int, int, bytes]] = []
            if run == "poisoned":
                # 1% of the complaints, on each consumed topic: at least 1% of its records.
                sent = await inject(pipeline, scale.complaints, over=scale.complaints / 100)
            await posting
            ids = {o.complaint_id for o in load.accepted if o.complaint_id}
            state = await drained(pipeline, watch, inbox, ids, 300, full=False)
            rates[run] = len(ids) / (time.monotonic() - began)
            report(f"\n[faults:{scale.name}] {run}: {len(ids)} complaints routed and projected "
                  f"at {rates[run]:.1f}/s ({state})")
        tickets = {o.complaint_id: next(iter(o.tickets)) for o in load.accepted
                   if o.complaint_id}
        # Two loads' webhooks (four per case) queue at the notifier: time for both.
        state = await drained(pipeline, watch, inbox, ids, 300 + scale.complaints * 0.4)
        await asyncio.sleep(3.0)  # the dead letters of the last poison records
        await settle(watch, [*topics, *dlqs])
        checks, assigned = routing_checks(watch, ids)
        checks.append(sla_check(watch, assigned, SHORT_POLICY_STAGES))
        assert pipeline.pool is not None
        checks.append(await projection_check(pipeline.pool, ids, tickets))
        checks.append(inbox_check(inbox, assigned))
        checks.insert(0, dead_letter_check(watch, sent))
    alive = {name: p.proc is not None and p.proc.poll() is None
             for name, p in pipeline.procs.items()}
    report(f"[faults:{scale.name}] poison: throughput poisoned/clean "
          f"{rates['poisoned'] / rates['clean']:.2f} (aim >= 0.90, a figure, not asserted); "
          f"{state}; services alive {alive}")
    for check in checks:
        report("  " + check.line())
    assert all(alive.values())
    assert all(c.ok for c in checks), [c.line() for c in checks if not c.ok]
    assert all(c.extra.get("without reason", 0) == 0 and c.extra.get("bytes altered", 0) == 0
               for c in checks)
