"""The router under poison records and kill -9: nothing lost, nothing assigned twice."""

from __future__ import annotations

import uuid
from collections import Counter

import httpx

from schemas.topics import ASSIGNED, RECEIVED, TRIAGE, dead_letter
from services.runtime.settings import RuntimeSettings
from tests.integration.router.conftest import complaint, on_partition, settle
from tests.support.kafka import Watcher, produce
from tests.support.processes import ServiceProcess

SENTINEL_TEXT = "lampu PJU di gang kami mati sudah seminggu, gelap"
TEXTS = ("jalan kabupaten menuju desa rusak parah banyak lubang",
         "sampah di TPS belum diangkut seminggu, bau busuk",
         "KTP elektronik saya belum jadi padahal sudah rekam tiga bulan",
         "air PDAM mati dari kemarin, tolong dicek",
         "guru di SD kami sering tidak masuk mengajar")


async def test_poison_record_is_dead_lettered_with_reason_and_routing_continues(
        stack: RuntimeSettings, router: ServiceProcess) -> None:
    after = complaint("parit depan rumah tersumbat lumpur, tiap hujan meluap")
    dlq = dead_letter(RECEIVED.name)
    run = uuid.uuid4().hex[:8].encode()  # other tests dead-letter records on this topic too
    bad_json, bad_field = b"poison-1-" + run, b"poison-2-" + run
    async with Watcher(stack, dlq, ASSIGNED.name) as watch:
        await produce(stack, RECEIVED.name, b"{not json", key=bad_json)
        await produce(stack, RECEIVED.name, b'{"type": "ComplaintReceived", "complaint_id": "x"}',
                      key=bad_field)
        await produce(stack, RECEIVED.name, after)
        parked = await watch.wait_for(lambda r: r.topic == stack.topic(dlq)
                                      and r.key in (bad_json, bad_field), count=2)
        await watch.wait_event(ASSIGNED.name, lambda e: e.complaint_id == after.complaint_id)
    reasons = {r.key: dict(r.headers)["dlq.reason"].decode() for r in parked}
    assert reasons[bad_json].startswith("not JSON")
    assert "field" in reasons[bad_field]  # names the missing field
    parked = sorted(parked, key=lambda r: r.key != bad_json)
    assert parked[0].value == b"{not json"  # the original bytes, untouched
    assert dict(parked[0].headers)["dlq.service"] == b"router"


async def test_kill_9_mid_stream_loses_and_duplicates_no_assignment(
        stack: RuntimeSettings, router: ServiceProcess) -> None:
    batch = [complaint(TEXTS[i % len(TEXTS)] + f" (laporan {i})") for i in range(150)]
    ids = {c.complaint_id for c in batch}
    async with Watcher(stack, ASSIGNED.name, TRIAGE.name) as watch:
        await produce(stack, RECEIVED.name, *batch)
        # Kill while the batch is being worked through: some assigned, most not yet.
        await watch.wait_event(ASSIGNED.name, lambda e: e.complaint_id in ids, count=10)
        router.kill()
        done_before = len({e.complaint_id for e in watch.events(ASSIGNED.name)} & ids)
        await router.start()
        # One sentinel per partition: when all are routed, every complaint before them was.
        sentinels = [on_partition(p, SENTINEL_TEXT) for p in range(RECEIVED.partitions)]
        await produce(stack, RECEIVED.name, *sentinels)
        sentinel_ids = {s.complaint_id for s in sentinels}
        await watch.wait_event(ASSIGNED.name, lambda e: e.complaint_id in sentinel_ids,
                               count=len(sentinels), timeout=120)
        await settle(watch, ASSIGNED.name, TRIAGE.name)
        async with httpx.AsyncClient() as http:
            metrics = (await http.get(f"{router.url}/metrics")).text
        # Every routing outcome of the batch, counted by complaint: exactly one each.
        counts = Counter(e.complaint_id for topic in (ASSIGNED.name, TRIAGE.name)
                         for e in watch.events(topic) if e.complaint_id in ids)
    redelivered = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                      if line.startswith("router_inputs_total{") and "redelivered" in line)
    print(f"kill -9 after {done_before}/{len(batch)} routed; "
          f"{redelivered:g} redelivered inputs recognised after restart")
    assert done_before < len(batch), "the kill came after the whole batch: not mid-stream"
    assert set(counts) == ids, f"lost: {len(ids - set(counts))}"
    assert max(counts.values()) == 1, [c for c, n in counts.items() if n > 1]
