"""The four services on the SASL broker, each as its own principal with only its own ACLs."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from schemas.codec import decode
from schemas.topics import NOTIFY_OUTCOMES, SLA, agency_topic
from services.runtime.acl_plan import agency_group_prefix, agency_principal, service_principal
from services.runtime.kafka_security import kafka_client_options
from tests.integration.security.conftest import Namespace
from tests.support.kafka import Watcher
from tests.support.processes import ServiceProcess, free_port, stop_all, tanggap_bin
from tests.support.receiver import Receiver

SECRET = "uji-rahasia-webhook"


@pytest.fixture(scope="module")
async def inbox() -> AsyncIterator[Receiver]:
    async with Receiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
async def secured_services(ketapang: Namespace, inbox: Receiver
                           ) -> AsyncIterator[dict[str, ServiceProcess]]:
    ports = {name: free_port() for name in ("intake", "router", "sla", "notifier")}
    common = {"TANGGAP_INTAKE_PORT": str(ports["intake"]),
              "TANGGAP_ROUTER_WEB_PORT": str(ports["router"]),
              "TANGGAP_SLA_WEB_PORT": str(ports["sla"]),
              "TANGGAP_NOTIFIER_WEB_PORT": str(ports["notifier"]),
              "TANGGAP_NOTIFIER_WEBHOOK_URL": f"{inbox.url}/hooks/{{agency}}",
              "TANGGAP_NOTIFIER_WEBHOOK_SECRET": SECRET, "TANGGAP_LOG_LEVEL": "INFO",
              "TANGGAP_SESSION_TIMEOUT_SECONDS": "6"}
    procs = {name: ServiceProcess(name, port, ketapang.env(
                 service_principal(ketapang.admin, name), **common), tag=f"secured-{name}")
             for name, port in ports.items()}
    try:
        for proc in procs.values():
            await proc.start(timeout=120)
        yield procs
    finally:
        stop_all(procs.values())


@pytest.fixture(scope="module")
def web_key(ketapang: Namespace) -> str:
    made = subprocess.run([tanggap_bin(), "intake", "keys", "create", "web",
                           "--name", f"secured-{uuid.uuid4().hex[:6]}"],
                          capture_output=True, text=True, check=True, env=ketapang.env())
    return made.stdout.strip()


async def test_a_complaint_reaches_the_agency_with_every_service_on_its_own_acls(
        ketapang: Namespace, secured_services: dict[str, ServiceProcess], inbox: Receiver,
        web_key: str) -> None:
    onboarded = ketapang.broker.tanggap("agency", "onboard", "dinas-pupr", env=ketapang.env())
    assert onboarded.returncode == 0, onboarded.stderr
    async with Watcher(ketapang.admin, SLA.name, NOTIFY_OUTCOMES.name) as watch, \
            httpx.AsyncClient() as http:
        posted = await http.post(
            f"{secured_services['intake'].url}/v1/complaints", headers={"X-API-Key": web_key},
            json={"channel": "web", "channel_message_id": f"sec-{uuid.uuid4().hex}",
                  "text": "Jalan rusak parah di Jl. Gajah Mada, banyak lubang besar"})
        assert posted.status_code == 202, posted.text
        case = posted.json()
        mine = lambda e: e.complaint_id == case["complaint_id"]  # noqa: E731

        # The agency reads its case with its own credentials, as its README example does.
        agency = ketapang.as_user(agency_principal(ketapang.admin, "dinas-pupr"))
        consumer = AIOKafkaConsumer(
            agency.topic(agency_topic("dinas-pupr")),
            bootstrap_servers=agency.kafka_bootstrap_servers,
            group_id=agency_group_prefix(agency, "dinas-pupr") + "desk",
            auto_offset_reset="earliest", enable_auto_commit=False,
            **kafka_client_options(agency))
        await consumer.start()
        try:
            async def assigned() -> object:
                async for record in consumer:
                    event = decode(record.value)
                    if mine(event):
                        await consumer.commit()
                        return event
                raise AssertionError("consumer ended")

            event = await asyncio.wait_for(assigned(), 120)
        finally:
            await consumer.stop()
        assert event.agency == "dinas-pupr"  # type: ignore[attr-defined]
        [started] = await watch.wait_event(SLA.name, mine, timeout=120)
        assert started.type == "SlaStarted"
        await watch.wait_event(NOTIFY_OUTCOMES.name, mine, timeout=120)
        await inbox.wait_for(1, path_prefix="/hooks/dinas-pupr")
        for name in ("router", "sla", "notifier"):  # Faust's /table views stay off
            for path in ("/table/", "/table/case/"):
                answer = await http.get(secured_services[name].url + path)
                assert answer.status_code == 404, (name, path, answer.text[:200])
    refused = [line for line in ketapang.broker.denials().splitlines()
               if f"User:{ketapang.prefix}svc-" in line]
    assert not refused, "\n".join(refused[:10])
