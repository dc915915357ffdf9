"""The citizen's status page follows the lifecycle topics; replays change and notify nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx

from schemas.enums import ResponseKind
from schemas.envelope import utcnow
from schemas.responses import AgencyResponded
from schemas.routing import ComplaintAssigned, ComplaintExternal
from schemas.sla import SlaStarted
from schemas.topics import ASSIGNED, EXTERNAL, NOTIFY_REQUESTS, RESPONSES, SLA
from tests.integration.intake.topic_end import caught_up
from tests.support.kafka import Watcher, produce
from tests.support.processes import ServiceProcess


async def open_case(intake: ServiceProcess, key: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as http:
        answer = await http.post("/v1/complaints", headers={"X-API-Key": key}, json={
            "channel": "web", "channel_message_id": uuid.uuid4().hex,
            "text": "Jalan rusak di Jl. Sudirman", "reporter": {"phone": "081345529017"}})
    assert answer.status_code == 202
    return answer.json()  # type: ignore[no-any-return]


async def status_when(intake: ServiceProcess, path: str,
                      ready: Callable[[Any], bool], timeout: float = 30.0) -> Any:
    """The JSON at `path` once `ready` holds for it (the projection catches up)."""
    async def poll() -> Any:
        async with httpx.AsyncClient(base_url=intake.url) as http:
            while True:
                view = (await http.get(path)).json()
                if ready(view):
                    return view
                await asyncio.sleep(0.2)

    return await asyncio.wait_for(poll(), timeout)


def notices(watch: Watcher, template: str, complaint_id: str) -> list[Any]:
    return [e for e in watch.events(NOTIFY_REQUESTS.name)
            if e.complaint_id == complaint_id and e.template == template]  # type: ignore[attr-defined]


async def test_lifecycle_updates_the_status_and_relays_public_answers_once(
        intake: ServiceProcess, keys: dict[str, str], watch: Watcher) -> None:
    case = await open_case(intake, keys["web"])
    cid, ticket = case["complaint_id"], case["ticket"]
    now = utcnow()
    assigned = ComplaintAssigned(complaint_id=cid, ticket=ticket, agency="dinas-pupr",
                                 rules_version="test", occurred_at=now + timedelta(seconds=1))
    started = SlaStarted(complaint_id=cid, clock_id=f"{cid}:dinas-pupr:response",
                         agency="dinas-pupr", due_at=now + timedelta(hours=48),
                         policy_version="test", started_at=now)
    answer = AgencyResponded(complaint_id=cid, agency="dinas-pupr",
                             kind=ResponseKind.FIRST_RESPONSE,
                             message="Tim kami menambal lubang besok pagi.",
                             occurred_at=now + timedelta(seconds=2))
    private = AgencyResponded(complaint_id=cid, agency="dinas-pupr", kind=ResponseKind.PROGRESS,
                              message="catatan internal", public=False,
                              occurred_at=now + timedelta(seconds=3))
    await produce(watch.settings, ASSIGNED.name, assigned)
    await produce(watch.settings, SLA.name, started)
    await produce(watch.settings, RESPONSES.name, answer, private)

    [notice] = await watch.wait_event(
        NOTIFY_REQUESTS.name, lambda e: e.complaint_id == cid and e.template == "citizen_answer")
    assert notice.recipient == "+6281345529017"  # type: ignore[attr-defined]
    assert notice.context["message"] == answer.message  # type: ignore[attr-defined]
    assert notice.causation_id == answer.event_id
    view = await status_when(intake, f"/v1/complaints/{ticket}",
                             lambda v: v["status"] == "in_progress" and v["due_at"])
    assert view["agency"] == "dinas-pupr" and view["agency_name"].startswith("Dinas Pekerjaan")
    assert [h["kind"] for h in view["history"]] == ["received", "assigned", "first_response"]
    assert view["history"][2]["message"] == answer.message

    # Replay: the same events again, then a new answer behind them on the same partition.
    marker = AgencyResponded(complaint_id=cid, agency="dinas-pupr", kind=ResponseKind.PROGRESS,
                             message="Penambalan sedang dikerjakan.",
                             occurred_at=now + timedelta(seconds=4))
    await produce(watch.settings, ASSIGNED.name, assigned)
    await produce(watch.settings, RESPONSES.name, answer, private, marker)
    await watch.wait_event(NOTIFY_REQUESTS.name, lambda e: e.causation_id == marker.event_id)
    await caught_up(watch, NOTIFY_REQUESTS.name)
    assert len(notices(watch, "citizen_answer", cid)) == 2  # the first answer and the marker
    view = await status_when(intake, f"/v1/complaints/{ticket}",
                             lambda v: len(v["history"]) >= 4)
    assert [h["kind"] for h in view["history"]] == ["received", "assigned", "first_response",
                                                    "progress"]


async def test_outside_authority_tells_the_citizen_and_closes_the_request(
        intake: ServiceProcess, keys: dict[str, str], watch: Watcher) -> None:
    case = await open_case(intake, keys["web"])
    external = ComplaintExternal(
        complaint_id=case["complaint_id"], ticket=case["ticket"], agency="pln",
        rules_version="test", citizen_message="Gangguan listrik ditangani PLN: hubungi 123.")
    await produce(watch.settings, EXTERNAL.name, external)
    [notice] = await watch.wait_event(
        NOTIFY_REQUESTS.name,
        lambda e: e.complaint_id == case["complaint_id"] and e.template == "citizen_external")
    assert notice.context["message"] == external.citizen_message  # type: ignore[attr-defined]
    [request] = await status_when(intake, f"/open311/v2/requests/{case['ticket']}.json",
                                  lambda v: v[0]["status"] == "closed")
    assert request["status_notes"] == external.citizen_message


async def test_malformed_lifecycle_record_is_dead_lettered_by_intake(
        intake: ServiceProcess, watch: Watcher) -> None:
    async with Watcher(watch.settings, ASSIGNED.dlq) as dead:
        await produce(watch.settings, ASSIGNED.name, b'{"type": "ComplaintAssigned"}',
                      key=b"c-broken")
        [record] = await dead.wait_for(lambda r: dict(r.headers).get("dlq.service") == b"intake")
    assert b"field" in dict(record.headers)["dlq.reason"]
