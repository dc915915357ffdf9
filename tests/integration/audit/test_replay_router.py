"""Verified replay of the router on the real stack: the live router decides a slice of the dev
corpus; `tanggap replay router` re-runs its inputs into a fresh schema and reproduces every
decision; with a deliberately changed rule it reports exactly the decisions that change."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import uuid
from pathlib import Path

import pytest

from schemas.enums import Channel
from schemas.intake import ComplaintReceived
from schemas.topics import ASSIGNED, EXTERNAL, RECEIVED, SUPPRESSED, TRIAGE, catalogue
from services.router.offline import FIELDS, decision_record, read_records
from services.router.rules import load_rules
from services.runtime.admin import ensure_topics
from services.runtime.settings import RuntimeSettings
from tests.support.candidates import write_candidate
from tests.support.kafka import Watcher, produce
from tests.support.processes import ServiceProcess, free_port, tanggap_bin
from tests.support.stack import service_env

CORPUS = Path(__file__).resolve().parents[2] / "data" / "complaints-dev.jsonl"
TENANT = Path(__file__).resolve().parents[3] / "tenants" / "ketapang"
CHANNELS = {c.value for c in Channel}  # the corpus names the 112 line in its own way
DECIDED = (ASSIGNED.name, TRIAGE.name, SUPPRESSED.name, EXTERNAL.name)


def replay(prefix: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = service_env(prefix, **extra)
    return subprocess.run([tanggap_bin(), "replay", "router"], env=env, capture_output=True,
                          text=True, timeout=240)


@pytest.mark.slow
async def test_replay_reproduces_every_decision_and_names_the_changed_ones(
        stack: RuntimeSettings, tmp_path: Path) -> None:
    # Near-duplicate linking depends on which cases came first, and a replay keeps the order
    # within a partition only: the test leaves the corpus' duplicate groups out.
    records = [r for r in read_records(CORPUS.read_text(encoding="utf-8").splitlines())
               if not r.get("duplicate_group")][:40]
    run = uuid.uuid4().hex[:8]
    # A topic namespace of its own: a replay re-runs every input of the namespace.
    stack = stack.model_copy(update={"topic_prefix": f"{stack.topic_prefix}rp{run}."})
    await ensure_topics(stack, catalogue(stack.directory()))
    received = [ComplaintReceived(
        complaint_id=f"rp-{run}-{r['id']}", ticket=f"KTP-RP-{run}-{n}",
        channel=r["channel"] if r["channel"] in CHANNELS else "call_center",
        channel_message_id=f"rp-{run}-{r['id']}", text=r["text"], kecamatan=r.get("kecamatan"))
        for n, r in enumerate(records)]
    port = free_port()
    router = ServiceProcess("router", port, service_env(
        stack.topic_prefix, TANGGAP_ROUTER_WEB_PORT=str(port)), tag="it-replay-router")
    async with Watcher(stack, *DECIDED) as watch:
        await router.start()
        try:
            await produce(stack, RECEIVED.name, *received)
            ours = {e.complaint_id for e in received}
            await watch.wait_event(DECIDED[0], lambda e: e.complaint_id in ours,
                                   count=1, timeout=120)
            for _ in range(600):  # every complaint decided (one of the four outcomes)
                seen = {e.complaint_id for t in DECIDED for e in watch.events(t)}
                if ours <= seen:
                    break
                await asyncio.sleep(0.2)
            assert ours <= seen
        finally:
            await asyncio.to_thread(router.stop)

    same = replay(stack.topic_prefix)
    assert same.returncode == 0, same.stdout + same.stderr
    counts = re.search(r"(\d+) outputs, (\d+) equal to the log", same.stdout)
    assert counts and counts.group(1) == counts.group(2) and int(counts.group(1)) > 0

    candidate = write_candidate(tmp_path)
    directory = stack.directory()
    current = load_rules(TENANT / "routing.yaml", directory)
    changed = load_rules(candidate / "routing.yaml", directory)
    # Every decision whose content changes (agency, category, confidence, ...), as decided
    # offline by the same pure function on the same inputs.
    changed_ids = set()
    for r in records:
        record = dict(r, kecamatan_hint=r.get("kecamatan"))
        before, after = decision_record(record, current), decision_record(record, changed)
        if any(before[k] != after[k] for k in FIELDS):
            changed_ids.add(f"rp-{run}-{r['id']}")
    assert changed_ids, "the candidate rule must change some of these decisions"
    moved = replay(stack.topic_prefix,
                   TANGGAP_ROUTER_RULES_PATH=str(candidate / "routing.yaml"))
    assert moved.returncode == 1, moved.stdout + moved.stderr
    reported = set(re.findall(rf"rp-{run}-c\d+", moved.stdout))
    assert reported == changed_ids, json.dumps(sorted(reported ^ changed_ids))
    assert os.environ.get("TANGGAP_ROUTER_RULES_PATH") is None
