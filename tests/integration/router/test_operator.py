"""Triage completed by an operator: over intake's HTTP endpoint, and as a command on the topic."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from schemas.enums import Channel
from schemas.routing import AssignComplaint, ComplaintAssigned
from schemas.topics import ASSIGNED, COMMANDS, RECEIVED, TRIAGE, agency_topic
from services.intake.access.adapter_keys import create_key
from services.intake.access.credentials import hash_secret
from services.intake.app import MIGRATIONS
from services.runtime.database import connect, migrate
from services.runtime.settings import RuntimeSettings
from tests.integration.router.conftest import complaint, settle
from tests.support.kafka import Watcher, produce
from tests.support.processes import ServiceProcess, free_port
from tests.support.stack import service_env

OPERATOR_KEY = "op-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
async def intake(stack: RuntimeSettings) -> AsyncIterator[tuple[ServiceProcess, str]]:
    """Intake with one operator ("siti") and a web adapter key of its own."""
    pool = await connect(stack.database_url, "intake", max_size=2)
    try:
        await migrate(pool, "intake", MIGRATIONS)
        _, adapter_key = await create_key(pool, Channel.WEB, f"router-it-{uuid.uuid4().hex[:6]}",
                                          100.0, 100)
    finally:
        await pool.close()
    port = free_port()
    env = service_env(stack.topic_prefix, TANGGAP_INTAKE_PORT=str(port),
                      TANGGAP_OPERATOR_KEYS=json.dumps({"siti": hash_secret(OPERATOR_KEY)}))
    proc = ServiceProcess("intake", port, env, tag="it-router-intake")
    await proc.start()
    try:
        yield proc, adapter_key
    finally:
        proc.stop()


async def test_triaged_case_is_assigned_by_an_operator_over_http(
        stack: RuntimeSettings, router: ServiceProcess,
        intake: tuple[ServiceProcess, str]) -> None:
    proc, adapter_key = intake
    async with Watcher(stack, TRIAGE.name, ASSIGNED.name, agency_topic("dinas-pupr")) as watch, \
            httpx.AsyncClient(base_url=proc.url) as http:
        posted = await http.post("/v1/complaints", headers={"X-API-Key": adapter_key}, json={
            "channel": "web", "channel_message_id": f"web-{uuid.uuid4().hex}",
            "text": "Pak, yang kemarin itu gimana kelanjutannya? belum ada kabar"})
        assert posted.status_code == 202, posted.text
        cid = posted.json()["complaint_id"]
        await watch.wait_event(TRIAGE.name, lambda e: e.complaint_id == cid)

        url = f"/v1/operator/cases/{cid}/assignment"
        body = {"agency": "dinas-pupr", "note": "jalan rusak, dikonfirmasi lewat telepon"}
        assert (await http.post(url, json=body)).status_code == 401
        wrong = {"X-Operator-Key": "not-a-key"}
        assert (await http.post(url, json=body, headers=wrong)).status_code == 401
        headers = {"X-Operator-Key": OPERATOR_KEY, "Idempotency-Key": "assign-1"}
        assert (await http.post(url, json={"agency": "dinas-entah"},
                                headers=headers)).status_code == 422
        assert (await http.post("/v1/operator/cases/c-unknown/assignment", json=body,
                                headers=headers)).status_code == 404
        first = await http.post(url, json=body, headers=headers)
        retry = await http.post(url, json=body, headers=headers)  # a retried request
        assert first.status_code == retry.status_code == 202
        assert first.json()["command_id"] == retry.json()["command_id"]

        [assigned] = await watch.wait_event(agency_topic("dinas-pupr"),
                                            lambda e: e.complaint_id == cid)
        await settle(watch, ASSIGNED.name)
        count = sum(e.complaint_id == cid for e in watch.events(ASSIGNED.name))
    assert isinstance(assigned, ComplaintAssigned)
    assert assigned.assigned_by == "operator" and "siti" in (assigned.reason or "")
    assert assigned.agency_chain == ()  # triage is not a holder
    assert count == 1


async def test_triaged_case_is_assigned_by_an_operator_command_on_the_topic(
        stack: RuntimeSettings, router: ServiceProcess) -> None:
    vague = complaint("tolong lah pak, rakyat kecil menjerit")
    command = AssignComplaint(complaint_id=vague.complaint_id, agency="dinsos", operator="budi",
                              note="bantuan sosial, dari percakapan lanjutan")
    async with Watcher(stack, TRIAGE.name, ASSIGNED.name) as watch:
        await produce(stack, RECEIVED.name, vague)
        await watch.wait_event(TRIAGE.name, lambda e: e.complaint_id == vague.complaint_id)
        await produce(stack, COMMANDS.name, command, command)  # delivered twice
        [assigned] = await watch.wait_event(
            ASSIGNED.name, lambda e: e.complaint_id == vague.complaint_id)
        await settle(watch, ASSIGNED.name)
        count = sum(e.complaint_id == vague.complaint_id for e in watch.events(ASSIGNED.name))
    assert isinstance(assigned, ComplaintAssigned)
    assert assigned.agency == "dinsos" and assigned.assigned_by == "operator"
    assert assigned.event_id == command.caused("assigned")["event_id"]
    assert count == 1


async def test_command_that_overtakes_its_complaint_is_applied_when_it_arrives(
        stack: RuntimeSettings, router: ServiceProcess) -> None:
    vague = complaint("min tolong dibantu ya urusan yang itu")
    command = AssignComplaint(complaint_id=vague.complaint_id, agency="disdukcapil",
                              operator="budi")
    async with Watcher(stack, TRIAGE.name, ASSIGNED.name) as watch:
        await produce(stack, COMMANDS.name, command)
        await produce(stack, RECEIVED.name, vague)
        [assigned] = await watch.wait_event(
            ASSIGNED.name, lambda e: e.complaint_id == vague.complaint_id)
        await watch.wait_event(TRIAGE.name, lambda e: e.complaint_id == vague.complaint_id)
    assert isinstance(assigned, ComplaintAssigned) and assigned.agency == "disdukcapil"
