"""The loop closed through intake: complaint, ticket to the citizen, assignment to the agency,
the agency's own answer over HTTP, and that answer on the citizen's WhatsApp.

The assignment is produced here as the router would publish it, so this test does not depend
on the routing rules (another issue's work) to choose dinas-pupr.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest

from schemas.routing import ComplaintAssigned
from schemas.topics import ASSIGNED, RESPONSES
from services.runtime.settings import RuntimeSettings
from tests.integration.notifier.conftest import WA_PATH, notifier_env
from tests.integration.notifier.endpoints import Endpoints, whatsapp_accepted
from tests.support.kafka import Watcher, produce
from tests.support.processes import ServiceProcess, free_port, tanggap_bin
from tests.support.stack import service_env

CITIZEN = "081234500077"


def tanggap(*args: str) -> str:
    """Run the operator's command line; return what it prints on stdout."""
    done = subprocess.run([tanggap_bin(), *args], capture_output=True, text=True, timeout=60,
                          check=True)
    return done.stdout.strip()


@pytest.fixture(scope="module")
async def loop_services(stack: RuntimeSettings) -> AsyncIterator[tuple[dict[str, ServiceProcess],
                                                                      Endpoints]]:
    async with Endpoints(rules={"/graph/": whatsapp_accepted}) as endpoints:
        ports = {"intake": free_port(), "notifier": free_port()}
        env = service_env(stack.topic_prefix, TANGGAP_INTAKE_PORT=str(ports["intake"]))
        procs = {
            "intake": ServiceProcess("intake", ports["intake"], env, tag="it-answer-intake"),
            "notifier": ServiceProcess(
                "notifier", ports["notifier"],
                notifier_env(stack, endpoints, None, ports["notifier"]), tag="it-answer-notifier"),
        }
        try:
            for proc in procs.values():
                await proc.start()
            yield procs, endpoints
        finally:
            for proc in procs.values():
                await asyncio.to_thread(proc.stop)


TO_CITIZEN = b'"to":"6281234500077"'


async def held_by(http: httpx.AsyncClient, intake: str, ticket: str, agency: str) -> None:
    """Wait (bounded) until intake's view says the agency holds the case."""
    deadline = time.monotonic() + 60
    while True:
        view = await http.get(f"{intake}/v1/complaints/{ticket}")
        if view.status_code == 200 and view.json()["agency"] == agency:
            return
        assert time.monotonic() < deadline, f"{ticket} never reached {agency}: {view.text}"
        await asyncio.sleep(0.2)


async def test_agency_answers_its_case_and_the_citizen_gets_ticket_and_answer(
        stack: RuntimeSettings, loop_services: tuple[dict[str, ServiceProcess], Endpoints]
) -> None:
    procs, endpoints = loop_services
    intake = procs["intake"].url
    adapter_key = tanggap("intake", "keys", "create", "whatsapp", "--name", "it-answers")
    pupr_key = tanggap("agency-keys", "create", "dinas-pupr", "--label", "it-answers")
    dlh_key = tanggap("agency-keys", "create", "dlh", "--label", "it-answers")
    assert pupr_key.startswith("tga_") and "tga_" not in tanggap("agency-keys", "list")

    async with httpx.AsyncClient(timeout=10) as http, Watcher(stack, RESPONSES.name) as watch:
        posted = await http.post(
            f"{intake}/v1/complaints", headers={"X-API-Key": adapter_key},
            json={"channel": "whatsapp", "channel_message_id": f"wamid.{uuid.uuid4().hex}",
                  "text": "Jalan rusak parah di Jl. Gajah Mada, banyak lubang besar",
                  "reporter": {"phone": CITIZEN, "name": "Siti"}})
        assert posted.status_code == 202, posted.text
        ticket, complaint_id = posted.json()["ticket"], posted.json()["complaint_id"]

        # The citizen hears the ticket number on WhatsApp, through intake's own request.
        # Matched by recipient too: intake's own tests, on a database of their own, number
        # their tickets from 1 as well, and this notifier reads the whole session's requests.
        [ack] = await endpoints.wait_matching(WA_PATH, (ticket.encode(), TO_CITIZEN), timeout=60)
        ack_body = orjson.loads(ack.body)
        assert ack_body["to"] == "6281234500077" and ticket in ack_body["text"]["body"]

        await produce(stack, ASSIGNED.name, ComplaintAssigned(
            complaint_id=complaint_id, ticket=ticket, agency="dinas-pupr", rules_version="test",
            text="Jalan rusak parah di Jl. Gajah Mada, banyak lubang besar"))
        await endpoints.wait_matching("/hooks/dinas-pupr", ticket.encode(), timeout=60)
        await held_by(http, intake, ticket, "dinas-pupr")
        answer = {"kind": "resolved", "message": "Lubang sudah ditambal tim UPT Jalan hari ini.",
                  "responder": "Seksi Jalan"}
        url = f"{intake}/v1/cases/{ticket}/responses"
        assert (await http.post(url, json=answer)).status_code == 401
        refused = await http.post(url, json=answer, headers={"Authorization": f"Bearer {dlh_key}"})
        assert refused.status_code == 403
        accepted = await http.post(url, json=answer, headers={
            "Authorization": f"Bearer {pupr_key}", "Idempotency-Key": "jawaban-1"})
        assert accepted.status_code == 202, accepted.text
        again = await http.post(url, json=answer, headers={
            "Authorization": f"Bearer {pupr_key}", "Idempotency-Key": "jawaban-1"})
        assert again.json()["event_id"] == accepted.json()["event_id"]

        # The retry may reach Kafka again before intake's view applied the first (at least
        # once); it is the same event, which every consumer de-duplicates by id.
        got = await watch.wait_event(
            RESPONSES.name, lambda e: e.complaint_id == complaint_id
            and e.type == "AgencyResponded")
        assert len({e.event_id for e in got}) == 1
        responded = got[0]
        assert responded.agency == "dinas-pupr" and responded.kind == "resolved"
        await watch.wait_event(RESPONSES.name, lambda e: e.complaint_id == complaint_id
                               and e.type == "ComplaintResolved")

        # The agency's answer reaches the citizen, on the channel the complaint came from.
        [relayed] = await endpoints.wait_matching(
            WA_PATH, (b"Lubang sudah ditambal", ticket.encode(), TO_CITIZEN), timeout=60)
        body = orjson.loads(relayed.body)
        assert body["to"] == "6281234500077" and ticket in body["text"]["body"]
        assert "Dinas Pekerjaan Umum" in body["text"]["body"]
