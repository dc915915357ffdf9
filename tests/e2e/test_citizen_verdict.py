"""The citizen's verdict on the real stack: intake, SLA and notifier as processes.

A WhatsApp citizen is asked after the agency resolves; "2" re-opens the case with the same
agency on a new clock and the agency hears why; after the second resolution "1 5" closes it;
a second citizen says nothing and the window closes theirs; the evaluation report counts it.
The assignments are produced as the router would publish them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest

from schemas.routing import ComplaintAssigned
from schemas.topics import ASSIGNED, RESPONSES, SLA
from services.runtime.settings import RuntimeSettings
from tests.integration.notifier.conftest import PHONE_NUMBER_ID, notifier_env
from tests.integration.notifier.endpoints import Endpoints, whatsapp_accepted
from tests.integration.notifier.test_agency_answer import held_by, tanggap
from tests.support.kafka import Watcher, produce
from tests.support.processes import ServiceProcess, free_port, stop_all
from tests.support.stack import service_env

AGENCY = "dispertan"  # an agency no other test resolves cases of, so the report is ours
WA_PATH = f"/graph/v21.0/{PHONE_NUMBER_ID}/messages"
WINDOW_HOURS = 40 / 3600  # 40 seconds to answer, so silence is seen within the test
POLICY = """
version: verdict-seconds-1
timezone: Asia/Pontianak
calendars: {always: {kind: round_the_clock}}
defaults: {calendar: always, response: 10m, resolution: 1h, warnings: [0.5],
           escalation: [{to: head_of_agency, after: 0s}]}
"""


@pytest.fixture(scope="module")
async def loop(stack: RuntimeSettings, tmp_path_factory: pytest.TempPathFactory
               ) -> AsyncIterator[tuple[dict[str, ServiceProcess], Endpoints]]:
    policy = tmp_path_factory.mktemp("verdict") / "sla.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    async with Endpoints(rules={"/graph/": whatsapp_accepted}) as server:
        ports = {name: free_port() for name in ("intake", "sla", "notifier")}
        procs = {
            "intake": ServiceProcess("intake", ports["intake"], service_env(
                stack.topic_prefix, TANGGAP_INTAKE_PORT=str(ports["intake"]),
                TANGGAP_INTAKE_VERDICT_WINDOW_HOURS=str(WINDOW_HOURS),
                TANGGAP_INTAKE_VERDICT_SWEEP_SECONDS="1"), tag="e2e-verdict-intake"),
            "sla": ServiceProcess("sla", ports["sla"], service_env(
                stack.topic_prefix, TANGGAP_SLA_WEB_PORT=str(ports["sla"]),
                TANGGAP_SLA_POLICY_FILE=str(policy)), tag="e2e-verdict-sla"),
            "notifier": ServiceProcess("notifier", ports["notifier"], notifier_env(
                stack, server, None, ports["notifier"]), tag="e2e-verdict-notifier"),
        }
        try:
            for proc in procs.values():
                await proc.start()
            yield procs, server
        finally:
            await asyncio.to_thread(stop_all, procs.values())


async def post(http: httpx.AsyncClient, intake: str, key: str, phone: str,
               text: str) -> dict[str, object]:
    answer = await http.post(f"{intake}/v1/complaints", headers={"X-API-Key": key}, json={
        "channel": "whatsapp", "channel_message_id": f"wamid.{uuid.uuid4().hex}", "text": text,
        "reporter": {"phone": phone}})
    assert answer.status_code == 202, answer.text
    return answer.json()


async def questions(server: Endpoints, to: str, ticket: str, count: int) -> list[dict]:
    found = await server.wait_matching(WA_PATH, (f'"to":"{to}"'.encode(), ticket.encode(),
                                                  b"Balas *1*"), count=count, timeout=60)
    return [orjson.loads(r.body) for r in found]


async def resolve(http: httpx.AsyncClient, intake: str, key: str, ticket: str) -> None:
    answered = await http.post(f"{intake}/v1/cases/{ticket}/responses",
                               headers={"Authorization": f"Bearer {key}"},
                               json={"kind": "resolved", "message": "Irigasi sudah dibuka",
                                     "responder": "UPT Irigasi"})
    assert answered.status_code == 202, answered.text


async def status_of(http: httpx.AsyncClient, intake: str, ticket: str, wanted: str) -> dict:
    for _ in range(300):
        view = (await http.get(f"{intake}/v1/complaints/{ticket}")).json()
        if view["status"] == wanted:
            return view
        await asyncio.sleep(0.2)
    raise AssertionError(f"{ticket} never became {wanted}: {view}")


async def test_not_solved_reopens_on_a_new_clock_solved_and_silence_close(
        stack: RuntimeSettings, loop: tuple[dict[str, ServiceProcess], Endpoints]) -> None:
    procs, server = loop
    intake = procs["intake"].url
    key = tanggap("intake", "keys", "create", "whatsapp", "--name", "e2e-verdict")
    agency_key = tanggap("agency-keys", "create", AGENCY, "--label", "e2e-verdict")
    async with httpx.AsyncClient(timeout=10) as http, \
            Watcher(stack, RESPONSES.name, SLA.name) as watch:
        case = await post(http, intake, key, "081299000101", "Irigasi sawah di Sandai macet")
        quiet = await post(http, intake, key, "081299000202", "Saluran air sawah tersumbat")
        for opened in (case, quiet):
            await produce(stack, ASSIGNED.name, ComplaintAssigned(
                complaint_id=str(opened["complaint_id"]), ticket=str(opened["ticket"]),
                agency=AGENCY, rules_version="test", text="Irigasi sawah macet"))
            await held_by(http, intake, str(opened["ticket"]), AGENCY)
            await resolve(http, intake, agency_key, str(opened["ticket"]))
        ticket, cid = str(case["ticket"]), str(case["complaint_id"])

        [asked] = await questions(server, "6281299000101", ticket, count=1)
        assert "Balas *1* jika sudah selesai" in asked["text"]["body"]
        reply = await post(http, intake, key, "081299000101", "2 airnya masih belum mengalir")
        assert (reply["ticket"], reply["duplicate"]) == (ticket, True)  # not a new case
        [reopened] = await watch.wait_event(RESPONSES.name, lambda e: e.complaint_id == cid
                                            and e.type == "ComplaintReopened", timeout=60)
        assert (reopened.agency, reopened.round) == (AGENCY, 2)
        assert reopened.reason == "airnya masih belum mengalir"
        clocks = await watch.wait_event(SLA.name, lambda e: e.complaint_id == cid
                                        and e.type == "SlaStarted", count=2, timeout=60)
        assert clocks[1].clock_id != clocks[0].clock_id and clocks[1].agency == AGENCY
        await server.wait_matching(f"/hooks/{AGENCY}", (ticket.encode(), b"dibuka kembali",
                                                         b"masih belum mengalir"), timeout=60)
        await status_of(http, intake, ticket, "reopened")

        await resolve(http, intake, agency_key, ticket)
        await questions(server, "6281299000101", ticket, count=2)
        await post(http, intake, key, "081299000101", "1 5")
        [closed] = await watch.wait_event(RESPONSES.name, lambda e: e.complaint_id == cid
                                          and e.type == "ComplaintClosed", timeout=60)
        assert (closed.reason, closed.round) == ("confirmed", 2)
        view = await status_of(http, intake, ticket, "closed")
        kinds = [line["kind"] for line in view["history"]]
        assert kinds.count("verdict_not_solved") == 1 and kinds.count("verdict_solved") == 1

        [silent] = await watch.wait_event(
            RESPONSES.name, lambda e: e.complaint_id == quiet["complaint_id"]
            and e.type == "ComplaintClosed", timeout=120)
        assert silent.reason == "no_reply"
        verdicts = [e for e in watch.events(RESPONSES.name) if e.type == "CitizenVerdict"
                    and e.complaint_id == cid]
        assert [(v.solved, v.rating, v.round) for v in verdicts] == [(False, None, 1),
                                                                     (True, 5, 2)]
        # Every verdict on the agency in this run's log, for comparison with the report (an
        # intake on a shared database may also close questions that older runs left open).
        ours = [e for e in watch.events(RESPONSES.name) if getattr(e, "agency", "") == AGENCY]
        judged = sum(e.type == "CitizenVerdict" or (e.type == "ComplaintClosed"
                                                    and e.reason == "no_reply") for e in ours)
        confirmed = sum(e.type == "CitizenVerdict" and e.solved for e in ours)
        reopened_count = sum(e.type == "ComplaintReopened" for e in ours)

    async with httpx.AsyncClient(timeout=60) as http:
        report = (await http.get(f"{procs['sla'].url}/v1/reports/evaluation",
                                 params={"period": "month"})).json()
    [row] = [r for r in report["agencies"] if r["agency"] == AGENCY]
    assert (row["resolutions_judged"], row["confirmed_by_citizen"], row["reopened"]) == (
        judged, confirmed, reopened_count)
    assert judged >= 3 and (confirmed, reopened_count) == (1, 1)
    assert row["median_rating"] == 5 and row["cases_reopened_more_than_once"] == 0
