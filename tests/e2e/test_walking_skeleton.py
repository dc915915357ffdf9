"""A complaint travels intake -> router -> SLA and notifier, four processes, real Kafka."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from schemas.topics import ASSIGNED, NOTIFY_OUTCOMES, RECEIVED, SLA, agency_topic
from services.notifier.signing import SIGNATURE_HEADER, verify
from services.runtime.settings import RuntimeSettings
from tests.support.kafka import Watcher
from tests.support.processes import ServiceProcess, free_port, stop_all, tanggap_bin
from tests.support.receiver import Received, Receiver
from tests.support.stack import service_env

SECRET = "uji-rahasia-webhook"


@pytest.fixture
async def agency_inbox() -> AsyncIterator[Receiver]:
    async with Receiver() as receiver:
        yield receiver


@pytest.fixture
def whatsapp_key(stack: RuntimeSettings) -> str:
    """An adapter key made the way an operator makes one: `tanggap intake keys create`."""
    made = subprocess.run([tanggap_bin(), "intake", "keys", "create", "whatsapp",
                           "--name", f"e2e-{uuid.uuid4().hex[:6]}"],
                          capture_output=True, text=True, check=True)
    return made.stdout.strip()


@pytest.fixture
async def services(stack: RuntimeSettings, agency_inbox: Receiver
                   ) -> AsyncIterator[dict[str, ServiceProcess]]:
    ports = {name: free_port() for name in ("intake", "router", "sla", "notifier")}
    env = service_env(
        stack.topic_prefix,
        TANGGAP_INTAKE_PORT=str(ports["intake"]), TANGGAP_ROUTER_WEB_PORT=str(ports["router"]),
        TANGGAP_SLA_WEB_PORT=str(ports["sla"]), TANGGAP_NOTIFIER_WEB_PORT=str(ports["notifier"]),
        TANGGAP_NOTIFIER_WEBHOOK_URL=f"{agency_inbox.url}/hooks/{{agency}}",
        TANGGAP_NOTIFIER_WEBHOOK_SECRET=SECRET,
    )
    procs = {name: ServiceProcess(name, port, env, tag=f"e2e-{name}")
             for name, port in ports.items()}
    try:
        for proc in procs.values():
            await proc.start()
        yield procs
    finally:
        stop_all(procs.values())


def road_complaint(message_id: str) -> dict[str, object]:
    return {"channel": "whatsapp", "channel_message_id": message_id,
            "text": "Jalan rusak parah di depan SDN 3 Sukaharja, lubang besar",
            "reporter": {"phone": "081234567890", "name": "Budi"}}


async def test_complaint_reaches_agency_topic_clock_and_webhook(
        stack: RuntimeSettings, services: dict[str, ServiceProcess], agency_inbox: Receiver,
        whatsapp_key: str) -> None:
    async with Watcher(stack, RECEIVED.name, agency_topic("dinas-pupr"), SLA.name,
                       NOTIFY_OUTCOMES.name) as watch, httpx.AsyncClient() as http:
        posted = await http.post(f"{services['intake'].url}/v1/complaints",
                                 json=road_complaint(f"wamid.{uuid.uuid4().hex}"),
                                 headers={"X-API-Key": whatsapp_key})
        assert posted.status_code == 202
        case = posted.json()
        assert case["ticket"].startswith("KTP-")
        mine = lambda e: e.complaint_id == case["complaint_id"]  # noqa: E731

        [assigned] = await watch.wait_event(agency_topic("dinas-pupr"), mine)
        assert assigned.agency == "dinas-pupr" and assigned.ticket == case["ticket"]
        assert "081234567890" not in assigned.model_dump_json()
        [started] = await watch.wait_event(SLA.name, mine)
        assert started.type == "SlaStarted"
        assert (started.due_at - started.started_at).total_seconds() == 48 * 3600
        await watch.wait_event(NOTIFY_OUTCOMES.name, mine)

        # The session's earlier tests left assignments of their own on the same topics, which
        # this notifier delivers too: pick this case's webhook.
        async def this_case() -> list[Received]:
            for count in range(1, 1000):
                hooks = await agency_inbox.wait_for(count, path_prefix="/hooks/dinas-pupr")
                if ours := [h for h in hooks if case["complaint_id"].encode() in h.body]:
                    return ours
            raise AssertionError("no webhook for this case")

        [hook] = await this_case()
        assert verify(SECRET, hook.body, hook.headers.get(SIGNATURE_HEADER))

        metrics = await http.get(f"{services['router'].url}/metrics")
        assert "router_decisions_total" in metrics.text


async def test_router_restart_loses_nothing_accepted(
        stack: RuntimeSettings, services: dict[str, ServiceProcess], whatsapp_key: str) -> None:
    """Complaints accepted while the router is down are assigned once it is back."""
    async with Watcher(stack, ASSIGNED.name) as watch, httpx.AsyncClient() as http:
        services["router"].kill()
        ids = []
        for _ in range(3):
            posted = await http.post(f"{services['intake'].url}/v1/complaints",
                                     json=road_complaint(f"wamid.{uuid.uuid4().hex}"),
                                     headers={"X-API-Key": whatsapp_key})
            assert posted.status_code == 202
            ids.append(posted.json()["complaint_id"])
        await services["router"].start()
        assigned = await watch.wait_event(ASSIGNED.name, lambda e: e.complaint_id in ids, count=3)
        assert sorted(e.complaint_id for e in assigned) == sorted(ids)
