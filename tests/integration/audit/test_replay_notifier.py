"""Verified replay of the notifier on the real stack: the live notifier delivers assignments,
a breach and citizens' requests (one agency's endpoint failing, one platform unconfigured);
`tanggap replay notifier` re-runs its inputs against recorders, sends nothing, and reproduces
every outcome; a moved webhook address reports exactly that agency's notifications."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import uuid
from datetime import timedelta

import pytest

from schemas.enums import Flag, NotificationChannel
from schemas.envelope import utcnow
from schemas.notifications import NotificationRequested
from schemas.routing import ComplaintAssigned
from schemas.sla import SlaBreached
from schemas.topics import ASSIGNED, NOTIFY_OUTCOMES, NOTIFY_REQUESTS, SLA, catalogue
from services.runtime.admin import ensure_topics
from services.runtime.settings import RuntimeSettings
from tests.integration.notifier.endpoints import Endpoints, whatsapp_accepted
from tests.support.kafka import Watcher, produce
from tests.support.processes import ServiceProcess, free_port, tanggap_bin
from tests.support.stack import service_env

PHONE_NUMBER_ID = "482913570016624"


def failing(request: object) -> tuple[int, dict[str, str], bytes]:
    return 503, {}, b"sedang pemeliharaan"


def notifier_env(prefix: str, url: str, **extra: str) -> dict[str, str]:
    return service_env(prefix, **{
        "TANGGAP_NOTIFIER_WEBHOOK_URL": f"{url}/hooks/{{agency}}",
        "TANGGAP_NOTIFIER_WEBHOOKS": json.dumps({"dlh": f"{url}/fail/dlh"}),
        "TANGGAP_NOTIFIER_WEBHOOK_SECRET": "uji-rahasia-replay",
        "TANGGAP_NOTIFIER_WHATSAPP_API_URL": f"{url}/graph",
        "TANGGAP_NOTIFIER_WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "TANGGAP_NOTIFIER_WHATSAPP_TOKEN": "uji-token-replay",
        "TANGGAP_NOTIFIER_MAX_ATTEMPTS": "2",
        "TANGGAP_NOTIFIER_BACKOFF_INITIAL_SECONDS": "0.05",
        "TANGGAP_NOTIFIER_BACKOFF_MAX_SECONDS": "0.1"} | extra)


def replay(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tanggap_bin(), "replay", "notifier"], env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.slow
async def test_replay_reproduces_every_outcome_without_sending_and_names_the_moved_agency(
        stack: RuntimeSettings) -> None:
    run = uuid.uuid4().hex[:8]
    stack = stack.model_copy(update={"topic_prefix": f"{stack.topic_prefix}rn{run}."})
    await ensure_topics(stack, catalogue(stack.directory()))

    def cid(name: str) -> str:
        return f"rn-{run}-{name}"

    def assigned(name: str, agency: str, *flags: Flag) -> ComplaintAssigned:
        return ComplaintAssigned(complaint_id=cid(name), ticket=f"KTP-RN-{name}", agency=agency,
                                 rules_version="integration", flags=flags,
                                 text="Jalan rusak di depan SDN 3 Sukaharja")

    assignments = [assigned("pupr", "dinas-pupr"), assigned("dlh", "dlh"),
                   assigned("news", "dinas-pupr", Flag.NEGATIVE_NEWS)]
    now = utcnow()
    breach = SlaBreached(complaint_id=cid("late"), clock_id=f"{cid('late')}:dinas-pupr:response",
                         agency="dinas-pupr", due_at=now - timedelta(minutes=1))
    requests = [
        NotificationRequested(complaint_id=cid("wa"), channel=NotificationChannel.WHATSAPP,
                              recipient="6281299887766", template="citizen_ack",
                              context={"ticket": "KTP-RN-wa"}),
        # No Instagram account is configured and no fallback is known: refused, by the code.
        NotificationRequested(complaint_id=cid("ig"), channel=NotificationChannel.INSTAGRAM,
                              recipient="17841400000000000", template="citizen_ack",
                              context={"ticket": "KTP-RN-ig", "reply_to": "179000"})]
    ours = {cid(n) for n in ("pupr", "dlh", "news", "late", "wa", "ig")}
    async with Endpoints(rules={"/graph/": whatsapp_accepted, "/fail/": failing}) as server:
        port = free_port()
        env = notifier_env(stack.topic_prefix, server.url)
        notifier = ServiceProcess("notifier", port, env | {
            "TANGGAP_NOTIFIER_WEB_PORT": str(port)}, tag="it-replay-notifier")
        async with Watcher(stack, NOTIFY_OUTCOMES.name) as watch:
            await notifier.start()
            try:
                await produce(stack, ASSIGNED.name, *assignments)
                await produce(stack, SLA.name, breach)
                await produce(stack, NOTIFY_REQUESTS.name, *requests)
                for _ in range(300):  # every case has an outcome, the failing one included
                    seen = {e.complaint_id for e in watch.events(NOTIFY_OUTCOMES.name)}
                    if ours <= seen:
                        break
                    await asyncio.sleep(0.1)
                assert ours <= seen
            finally:
                await asyncio.to_thread(notifier.stop)
            logged = [e for e in watch.events(NOTIFY_OUTCOMES.name) if e.complaint_id in ours]
        assert {e.type for e in logged} == {"NotificationDelivered", "NotificationFailed"}
        calls = len(server.requests)

        same = replay(env)
        assert same.returncode == 0, same.stdout + same.stderr
        counts = re.search(r"(\d+) outputs, (\d+) equal to the log", same.stdout)
        assert counts and counts.group(1) == counts.group(2) == str(len(logged)), same.stdout

        moved = replay(notifier_env(stack.topic_prefix, server.url, TANGGAP_NOTIFIER_WEBHOOKS=
                                    json.dumps({"dlh": f"{server.url}/fail/dlh",
                                                "dinas-pupr": f"{server.url}/hooks/moved"})))
        assert moved.returncode == 1, moved.stdout + moved.stderr
        assert len(server.requests) == calls  # neither replay sent anything
    reported = set(re.findall(rf"rn-{run}-\w+", moved.stdout))
    assert reported == {cid("pupr"), cid("news"), cid("late")}, moved.stdout
