"""A withdrawn case's clocks stop on the real SLA service, and nothing fires after the stop."""

from __future__ import annotations

import asyncio

from schemas.enums import Channel
from schemas.intake import ComplaintEdited, ComplaintWithdrawn
from schemas.topics import ASSIGNED, SLA, UPDATED
from services.runtime.settings import RuntimeSettings
from tests.integration.sla import test_sla_clocks
from tests.integration.sla.test_sla_clocks import (
    RESPONSE_S,
    assignment,
    clock_events,
    new_case,
    of,
)
from tests.support.kafka import Watcher, produce
from tests.support.processes import ServiceProcess

sla = test_sla_clocks.sla  # the same second-scale SLA process fixture, for this module


async def test_withdrawn_case_stops_its_clock_and_never_breaches(
        stack: RuntimeSettings, sla: ServiceProcess) -> None:
    cid = new_case()
    common = {"complaint_id": cid, "ticket": f"KTP-{cid[-6:]}", "channel": Channel.WHATSAPP,
              "channel_message_id": f"wamid.{cid}"}
    async with Watcher(stack, SLA.name) as watch:
        await produce(stack, ASSIGNED.name, assignment(cid, "dinas-pupr"))
        await watch.wait_event(SLA.name, of(cid, "SlaStarted"), timeout=30)
        gone = ComplaintWithdrawn(**common, reason="revoke")
        await produce(stack, UPDATED.name, ComplaintEdited(**common, edit_id="v2", text="ralat"),
                      gone, gone)  # an edit moves no clock; the withdrawal once
        [stopped] = await watch.wait_event(SLA.name, of(cid, "SlaStopped"), timeout=30)
        await asyncio.sleep(RESPONSE_S + 1.0)  # past the deadline it would have had
        events = clock_events(watch, cid)
    assert "withdrawn" in stopped.reason and stopped.agency == "dinas-pupr"
    # Stages that came due before the withdrawal was read may precede it; nothing follows it.
    assert [e.type for e in events].count("SlaStopped") == 1 and events[-1].type == "SlaStopped"
