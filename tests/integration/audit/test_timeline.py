"""A case's timeline, read from Kafka by the audit index, in lifecycle order."""

from __future__ import annotations

import asyncio
import json
import random
import uuid

import httpx
from prometheus_client.parser import text_string_to_metric_families

from schemas.envelope import Event
from services.runtime.settings import RuntimeSettings
from tests.integration.audit.conftest import OPERATOR_KEY, tanggap
from tests.support.kafka import produce
from tests.support.lifecycle import EXPECTED_TYPES, case_life
from tests.support.processes import ServiceProcess


async def produce_shuffled(stack: RuntimeSettings, life: list[tuple[str, Event]],
                           seed: int) -> None:
    """Write the case's events in an order unlike their life's, topic by topic."""
    shuffled = life[:]
    random.Random(seed).shuffle(shuffled)
    for topic, event in shuffled:
        await produce(stack, topic, event)


async def wait_indexed(client: httpx.AsyncClient, audit: ServiceProcess, ref: str, count: int,
                       bound: float = 90.0) -> dict:
    deadline = asyncio.get_running_loop().time() + bound
    while True:
        answer = await client.get(f"{audit.url}/v1/cases/{ref}/timeline",
                                  headers={"X-Operator-Key": OPERATOR_KEY})
        if answer.status_code == 200 and len(answer.json()["cases"][0]["events"]) >= count:
            return answer.json()
        assert asyncio.get_running_loop().time() < deadline, answer.text
        await asyncio.sleep(0.3)


async def test_case_across_many_topics_reads_back_in_order(
        stack: RuntimeSettings, audit: ServiceProcess) -> None:
    cid = f"audit-it-{uuid.uuid4().hex[:12]}"
    ticket = f"KTP-2026-{uuid.uuid4().int % 10**6:06d}"
    life = case_life(cid, ticket)
    other = case_life(f"{cid}-other", f"{ticket}-X")  # another case on the same topics
    await produce_shuffled(stack, life + other, seed=7)
    async with httpx.AsyncClient(timeout=30) as client:
        doc = await wait_indexed(client, audit, ticket, len(life))
        (case,) = doc["cases"]
        assert case["complaint_id"] == cid
        assert tuple(e["type"] for e in case["events"]) == EXPECTED_TYPES
        # What it shows is the log: each record is the one at its topic/partition/offset.
        assert [e["record"]["event_id"] for e in case["events"]] == \
            [e["event_id"] for e in case["events"]]
        assert {e["service"] for e in case["events"]} == {"intake", "router", "sla", "notifier"}
        # The endpoint wants an operator key.
        assert (await client.get(f"{audit.url}/v1/cases/{ticket}/timeline")).status_code == 401
        bad = await client.get(f"{audit.url}/v1/cases/{ticket}/timeline",
                               headers={"X-Operator-Key": "nope"})
        assert bad.status_code == 401
        missing = await client.get(f"{audit.url}/v1/cases/no-such-case/timeline",
                                   headers={"X-Operator-Key": OPERATOR_KEY})
        assert missing.status_code == 404

    shown = await tanggap(stack.topic_prefix, "timeline", ticket)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    for needle in ("operator ani commands: assign to dinas-pupr",
                   "redirected from dinas-pupr to dinas-perkim",
                   "redirected from dinas-perkim to dlh", "warning at 80%", "breached by dlh",
                   "dlh answered first_response"):
        assert needle in text, text
    assert text.index("warning at 80%") < text.index("breached by dlh") < \
        text.index("dlh answered first_response")
    as_json = await tanggap(stack.topic_prefix, "timeline", cid, "--json")
    assert as_json.returncode == 0, as_json.stderr
    (again,) = json.loads(as_json.stdout)
    assert tuple(e["type"] for e in again["events"]) == EXPECTED_TYPES


async def test_audit_lag_is_exported_and_reaches_zero(
        stack: RuntimeSettings, audit: ServiceProcess) -> None:
    cid = f"audit-it-{uuid.uuid4().hex[:12]}"
    life = case_life(cid, f"KTP-2026-{uuid.uuid4().int % 10**6:06d}")
    await produce_shuffled(stack, life, seed=3)
    async with httpx.AsyncClient(timeout=30) as client:
        doc = await wait_indexed(client, audit, cid, len(life))
        assert len(doc["cases"][0]["events"]) == len(life)

        async def lag_samples() -> dict[str, float]:
            body = (await client.get(f"{audit.url}/metrics")).text
            return {s.labels["topic"]: s.value for f in text_string_to_metric_families(body)
                    if f.name == "tanggap_consumer_lag_records" for s in f.samples
                    if s.labels.get("service") == "audit"}

        deadline = asyncio.get_running_loop().time() + 60
        while True:
            samples = await lag_samples()
            # Caught up: every indexed topic is exported, and all of them at zero.
            if "sla.clocks" in samples and not any(samples.values()):
                break
            assert asyncio.get_running_loop().time() < deadline, samples
            await asyncio.sleep(0.5)
        assert "complaints.received" in samples
    printed = await tanggap(stack.topic_prefix, "lag")
    assert printed.returncode == 0, printed.stderr
    audit_lines = [line.split() for line in printed.stdout.splitlines()
                   if line.startswith("tanggap-audit ")]
    assert ["tanggap-audit", "complaints.received", "0"] in audit_lines, printed.stdout


async def test_a_redelivered_batch_changes_nothing_in_the_index(stack: RuntimeSettings) -> None:
    from schemas.codec import encode
    from services.audit.app import open_store
    from services.audit.index import index_row
    from services.audit.settings import AuditSettings

    store = await open_store(AuditSettings(topic_prefix=stack.topic_prefix))
    try:
        cid = f"audit-it-{uuid.uuid4().hex[:12]}"
        life = case_life(cid, f"KTP-{cid}")
        rows = [index_row(topic, stack.topic(topic), 0, 10_000 + n, encode(event))
                for n, (topic, event) in enumerate(life)]
        assert await store.add(rows) == len(rows)
        assert await store.add(rows) == 0
        assert await store.complaint_ids(f"KTP-{cid}") == [cid]
        located = await store.locate(cid, [stack.topic(t) for t, _ in life])
        assert len(located) == len(life)
    finally:
        await store.pool.close()
