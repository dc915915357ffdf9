"""Verified replay of the SLA on the real stack: the live keeper runs second-scale clocks
(met, redirected, withdrawn, warned, breached, escalated); `tanggap replay sla` re-runs its
inputs with the log's own times and reproduces every SLA event; a shorter target for one
agency is reported as differences of exactly that agency's cases."""

from __future__ import annotations

import asyncio
import re
import subprocess
import uuid
from pathlib import Path

import pytest

from schemas.enums import Channel, ResponseKind
from schemas.intake import ComplaintWithdrawn
from schemas.responses import AgencyResponded
from schemas.routing import ComplaintAssigned, ComplaintRedirected
from schemas.topics import ASSIGNED, REDIRECTED, RESPONSES, SLA, UPDATED, catalogue
from services.runtime.admin import ensure_topics
from services.runtime.settings import RuntimeSettings
from tests.support.kafka import Watcher, produce
from tests.support.processes import ServiceProcess, free_port, tanggap_bin
from tests.support.stack import service_env

# Response in 4 s: a warning at 2 s, the breach and the head of agency at 4 s. Answers,
# redirections and withdrawals come well before the warning, so the live timer never races
# the consumer.
POLICY = """
version: {version}
timezone: Asia/Pontianak
calendars: {{always: {{kind: round_the_clock}}}}
defaults:
  calendar: always
  response: 4s
  resolution: 60s
  warnings: [0.5]
  escalation:
    - {{to: head_of_agency, after: 0s}}
overrides: {overrides}
"""
SHORTER = "\n  - when: {agency: dlh}\n    response: 3s"


def policy(path: Path, version: str, overrides: str = "[]") -> Path:
    path.write_text(POLICY.format(version=version, overrides=overrides), encoding="utf-8")
    return path


def replay(prefix: str, policy_file: Path) -> subprocess.CompletedProcess[str]:
    env = service_env(prefix, TANGGAP_SLA_POLICY_FILE=str(policy_file))
    return subprocess.run([tanggap_bin(), "replay", "sla"], env=env, capture_output=True,
                          text=True, timeout=120)


def assigned(cid: str, agency: str) -> ComplaintAssigned:
    return ComplaintAssigned(complaint_id=cid, ticket=f"KTP-{cid[-8:]}", agency=agency,
                             rules_version="integration")


@pytest.mark.slow
async def test_replay_reproduces_every_clock_event_and_names_the_changed_policy_cases(
        stack: RuntimeSettings, tmp_path: Path) -> None:
    run = uuid.uuid4().hex[:8]
    stack = stack.model_copy(update={"topic_prefix": f"{stack.topic_prefix}rs{run}."})
    await ensure_topics(stack, catalogue(stack.directory()))
    live_policy = policy(tmp_path / "live.yaml", "replay-seconds-1")
    cases = {f"rs-{run}-{kind}-{agency}": (kind, agency)
             for kind in ("met", "redirected", "withdrawn", "breached")
             for agency in ("dlh", "dinas-pupr")}
    port = free_port()
    sla = ServiceProcess("sla", port, service_env(
        stack.topic_prefix, TANGGAP_SLA_WEB_PORT=str(port),
        TANGGAP_SLA_POLICY_FILE=str(live_policy)), tag="it-replay-sla")
    async with Watcher(stack, SLA.name) as watch:
        await sla.start()
        try:
            await produce(stack, ASSIGNED.name, *(assigned(c, a) for c, (_, a) in cases.items()))
            await watch.wait_event(SLA.name, lambda e: e.complaint_id in cases
                                   and e.type == "SlaStarted", count=len(cases), timeout=30)
            await produce(stack, RESPONSES.name, *(AgencyResponded(
                complaint_id=c, agency=a, kind=ResponseKind.FIRST_RESPONSE,
                message="Sedang kami tindak lanjuti") for c, (k, a) in cases.items()
                if k == "met"))
            await produce(stack, REDIRECTED.name, *(ComplaintRedirected(
                complaint_id=c, ticket=f"KTP-{c[-8:]}", from_agency=a, to_agency=None,
                reason="bukan kewenangan kami") for c, (k, a) in cases.items()
                if k == "redirected"))
            await produce(stack, UPDATED.name, *(ComplaintWithdrawn(
                complaint_id=c, ticket=f"KTP-{c[-8:]}", channel=Channel.WHATSAPP,
                channel_message_id=f"wa-{c}", reason="revoke") for c, (k, _) in cases.items()
                if k == "withdrawn"))
            await watch.wait_event(SLA.name, lambda e: e.complaint_id in cases
                                   and e.type == "SlaEscalated", count=2, timeout=30)
            await asyncio.sleep(0.5)  # any stray firing would be in the log before the replay
        finally:
            await asyncio.to_thread(sla.stop)
        logged = [e for e in watch.events(SLA.name) if e.complaint_id in cases]
    assert {e.type for e in logged} >= {"SlaStarted", "SlaMet", "SlaStopped", "SlaWarning",
                                        "SlaBreached", "SlaEscalated"}

    same = replay(stack.topic_prefix, live_policy)
    assert same.returncode == 0, same.stdout + same.stderr
    counts = re.search(r"(\d+) outputs, (\d+) equal to the log", same.stdout)
    assert counts and counts.group(1) == counts.group(2) == str(len(logged)), same.stdout

    shorter = policy(tmp_path / "shorter.yaml", "replay-seconds-2", SHORTER)
    moved = replay(stack.topic_prefix, shorter)
    assert moved.returncode == 1, moved.stdout + moved.stderr
    reported = set(re.findall(rf"rs-{run}-\w+-[\w-]+", moved.stdout))
    assert reported == {c for c, (_, a) in cases.items() if a == "dlh"}, moved.stdout
