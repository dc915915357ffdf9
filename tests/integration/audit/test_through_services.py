"""A case driven through the real router and SLA processes, as the audit timeline shows it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from schemas.enums import Channel, ResponseKind
from schemas.intake import ComplaintReceived
from schemas.responses import AgencyResponded
from schemas.routing import AssignComplaint
from schemas.topics import ASSIGNED, COMMANDS, RECEIVED, REDIRECTED, RESPONSES
from services.runtime.settings import RuntimeSettings
from tests.integration.audit.conftest import OPERATOR_KEY
from tests.support.kafka import produce
from tests.support.processes import ServiceProcess, free_port
from tests.support.stack import service_env, wait_for_topics

POLICY = """
version: audit-seconds-1
timezone: Asia/Pontianak
calendars: {always: {kind: round_the_clock}}
defaults:
  calendar: always
  response: 6s
  resolution: 120s
  warnings: [0.5]
  escalation: [{to: head_of_agency, after: 0s}]
"""


@pytest.fixture(scope="module")
async def services(stack: RuntimeSettings, tmp_path_factory: pytest.TempPathFactory
                   ) -> AsyncIterator[None]:
    await wait_for_topics(stack, RECEIVED.name, COMMANDS.name, RESPONSES.name, ASSIGNED.name,
                          REDIRECTED.name)
    policy = tmp_path_factory.mktemp("audit-sla") / "sla.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    rport, sport = free_port(), free_port()
    router = ServiceProcess("router", rport, service_env(
        stack.topic_prefix, TANGGAP_ROUTER_WEB_PORT=str(rport)), tag="it-audit-router")
    sla = ServiceProcess("sla", sport, service_env(
        stack.topic_prefix, TANGGAP_SLA_WEB_PORT=str(sport),
        TANGGAP_SLA_POLICY_FILE=str(policy)), tag="it-audit-sla")
    await asyncio.gather(router.start(90), sla.start(90))
    try:
        yield
    finally:
        router.stop()
        sla.stop()


async def timeline_types(client: httpx.AsyncClient, audit: ServiceProcess, ref: str,
                         until: str, bound: float = 120.0) -> list[dict]:
    """Poll the timeline until an event of type `until` is in it."""
    deadline = asyncio.get_running_loop().time() + bound
    while True:
        answer = await client.get(f"{audit.url}/v1/cases/{ref}/timeline",
                                  headers={"X-Operator-Key": OPERATOR_KEY})
        if answer.status_code == 200:
            events = answer.json()["cases"][0]["events"]
            if any(e["type"] == until for e in events):
                return events
        assert asyncio.get_running_loop().time() < deadline, (until, answer.text)
        await asyncio.sleep(0.5)


def not_ours(cid: str, agency: str, to: str) -> AgencyResponded:
    return AgencyResponded(complaint_id=cid, agency=agency, kind=ResponseKind.NOT_OURS,
                           redirect_to=to, message=f"Bukan kewenangan kami, ke {to}")


async def test_triaged_assigned_redirected_twice_warned_breached_answered_through_services(
        stack: RuntimeSettings, audit: ServiceProcess, services: None, tmp_path: Path) -> None:
    cid = f"audit-svc-{uuid.uuid4().hex[:10]}"
    ticket = f"KTP-SVC-{cid[-10:]}"
    await produce(stack, RECEIVED.name, ComplaintReceived(
        complaint_id=cid, ticket=ticket, channel=Channel.X, channel_message_id=f"m-{cid}",
        text="Tolong lah pemkab, rakyat kecil menjerit"))
    async with httpx.AsyncClient(timeout=30) as client:
        await timeline_types(client, audit, ticket, "ComplaintTriaged")
        await produce(stack, COMMANDS.name, AssignComplaint(
            complaint_id=cid, agency="dinas-pupr", operator="ani", note="jalan"))
        await timeline_types(client, audit, ticket, "SlaStarted")
        await produce(stack, RESPONSES.name, not_ours(cid, "dinas-pupr", "dinas-perkim"))
        events = await timeline_types(client, audit, ticket, "ComplaintRedirected")
        while sum(e["type"] == "ComplaintAssigned" for e in events) < 2:
            events = await timeline_types(client, audit, ticket, "ComplaintRedirected")
        await produce(stack, RESPONSES.name, not_ours(cid, "dinas-perkim", "dlh"))
        events = await timeline_types(client, audit, ticket, "SlaBreached")
        assert [e["record"]["agency"] for e in events if e["type"] == "SlaBreached"] == ["dlh"]
        await produce(stack, RESPONSES.name, AgencyResponded(
            complaint_id=cid, agency="dlh", kind=ResponseKind.FIRST_RESPONSE,
            message="Sedang kami tangani"))
        events = await timeline_types(client, audit, ticket, "SlaMet")

    kinds = [(e["type"], e["service"]) for e in events]
    wanted = [("ComplaintReceived", "intake"), ("ComplaintTriaged", "router"),
              ("AssignComplaint", "intake"), ("ComplaintAssigned", "router"),
              ("SlaStarted", "sla"), ("AgencyResponded", "intake"),
              ("ComplaintRedirected", "router"), ("ComplaintAssigned", "router"),
              ("AgencyResponded", "intake"), ("ComplaintRedirected", "router"),
              ("ComplaintAssigned", "router"), ("SlaWarning", "sla"), ("SlaBreached", "sla"),
              ("AgencyResponded", "intake"), ("SlaMet", "sla")]
    it = iter(kinds)
    assert all(w in it for w in wanted), kinds  # in this order, with other events between
    # Every effect comes after its cause.
    for e in events:
        if e["cause_n"] is not None:
            assert e["cause_n"] < e["n"]
