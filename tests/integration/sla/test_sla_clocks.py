"""The SLA service as a real process on real Kafka and PostgreSQL, with second-scale policies."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from schemas.enums import ResponseKind
from schemas.envelope import Event
from schemas.responses import AgencyResponded
from schemas.routing import ComplaintAssigned, ComplaintRedirected
from schemas.topics import ASSIGNED, REDIRECTED, RESPONSES, SLA
from services.runtime.settings import RuntimeSettings
from services.sla.report import COLUMNS
from tests.support.kafka import Watcher, produce
from tests.support.processes import LOGS, ServiceProcess, free_port
from tests.support.stack import service_env

RESPONSE_S = 4.0  # warnings at 2 s and 3.2 s, breach at 4 s, sekda 2 s after the breach
POLICY = """
version: integration-seconds-1
timezone: Asia/Pontianak
calendars: {always: {kind: round_the_clock}}
defaults:
  calendar: always
  response: 4s
  resolution: 60s
  warnings: [0.5, 0.8]
  escalation:
    - {to: head_of_agency, after: 0s}
    - {to: regional_secretary, after: 2s}
"""
# A stage is never early and never grossly late; its precision (p99 lateness) is a figure of
# bench/sla_clocks.py, not a timed assertion that a loaded CI machine could break.
ACCURACY_S = 5.0


@pytest.fixture(scope="module")
async def sla(stack: RuntimeSettings, tmp_path_factory: pytest.TempPathFactory
              ) -> AsyncIterator[ServiceProcess]:
    policy = tmp_path_factory.mktemp("sla") / "sla.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    port = free_port()
    env = service_env(stack.topic_prefix, TANGGAP_SLA_WEB_PORT=str(port),
                      TANGGAP_SLA_POLICY_FILE=str(policy))
    proc = ServiceProcess("sla", port, env, tag="it-sla")
    await proc.start()
    try:
        yield proc
    finally:
        proc.stop()


def new_case() -> str:
    return f"sla-it-{uuid.uuid4().hex[:12]}"


def assignment(cid: str, agency: str, **kw: Any) -> ComplaintAssigned:
    return ComplaintAssigned(complaint_id=cid, ticket=f"KTP-{cid[-6:]}", agency=agency,
                             rules_version="integration", **kw)


def answer(cid: str, agency: str, kind: ResponseKind) -> AgencyResponded:
    return AgencyResponded(complaint_id=cid, agency=agency, kind=kind,
                           message="Terima kasih, laporan sedang kami tindak lanjuti")


def of(cid: str, type_: str, **fields: object) -> Callable[[Event], bool]:
    return lambda e: (e.complaint_id == cid and e.type == type_
                      and all(getattr(e, k) == v for k, v in fields.items()))


def clock_events(watch: Watcher, cid: str) -> list[Event]:
    return [e for e in watch.events(SLA.name) if e.complaint_id == cid]


async def test_unanswered_case_warns_then_breaches_then_escalates_in_order(
        stack: RuntimeSettings, sla: ServiceProcess) -> None:
    cid = new_case()
    async with Watcher(stack, SLA.name) as watch:
        await produce(stack, ASSIGNED.name, assignment(cid, "dinas-pupr"))
        await watch.wait_event(SLA.name, of(cid, "SlaEscalated", level=2), timeout=30)
        events = clock_events(watch, cid)
    assert [e.type for e in events] == ["SlaStarted", "SlaWarning", "SlaWarning", "SlaBreached",
                                        "SlaEscalated", "SlaEscalated"]
    started, half, late, breached, head, sekda = events
    assert [half.fraction, late.fraction] == [0.5, 0.8]
    assert [(head.level, head.escalate_to), (sekda.level, sekda.escalate_to)] == [
        (1, "head_of_agency"), (2, "regional_secretary")]
    assert breached.due_at == started.due_at
    assert (started.due_at - started.started_at).total_seconds() == RESPONSE_S
    for event, instant in ((half, half.fire_at), (late, late.fire_at), (breached, started.due_at),
                           (head, head.fire_at), (sekda, sekda.fire_at)):
        lateness = (event.occurred_at - instant).total_seconds()
        assert 0 <= lateness < ACCURACY_S, (event.type, lateness)


async def test_response_before_the_deadline_is_met_and_never_breached(
        stack: RuntimeSettings, sla: ServiceProcess) -> None:
    answered, control = new_case(), new_case()
    async with Watcher(stack, SLA.name) as watch:
        await produce(stack, ASSIGNED.name, assignment(answered, "dlh"))
        await produce(stack, ASSIGNED.name, assignment(control, "dlh"))
        await watch.wait_event(SLA.name, of(answered, "SlaStarted"), timeout=30)
        await asyncio.sleep(1.0)  # the agency takes a second to answer
        await produce(stack, RESPONSES.name, answer(answered, "dlh", ResponseKind.FIRST_RESPONSE))
        [met] = await watch.wait_event(SLA.name, of(answered, "SlaMet"), timeout=30)
        # The control case was assigned later with the same target: once its breach is out,
        # any breach of the answered case (due earlier) would have been emitted before it.
        await watch.wait_event(SLA.name, of(control, "SlaBreached"), timeout=30)
        events = clock_events(watch, answered)
    assert met.within_target and 1.0 <= met.elapsed_seconds < RESPONSE_S
    assert "SlaBreached" not in [e.type for e in events]
    assert [e.type for e in events if e.target == "response"][-1] == "SlaMet"


async def test_redirection_stops_the_first_agency_clock_and_starts_the_next(
        stack: RuntimeSettings, sla: ServiceProcess) -> None:
    cid = new_case()
    async with Watcher(stack, SLA.name) as watch:
        await produce(stack, ASSIGNED.name, assignment(cid, "disdukcapil"))
        [first] = await watch.wait_event(SLA.name, of(cid, "SlaStarted"), timeout=30)
        await produce(stack, REDIRECTED.name, ComplaintRedirected(
            complaint_id=cid, ticket="KTP-1", from_agency="disdukcapil", to_agency="dinas-pupr",
            reason="Jalan rusak, bukan urusan kependudukan"))
        await watch.wait_event(SLA.name, of(cid, "SlaStopped"), timeout=30)
        await produce(stack, ASSIGNED.name, assignment(cid, "dinas-pupr", assigned_by="redirect",
                                                       agency_chain=("disdukcapil",)))
        [second] = await watch.wait_event(SLA.name, of(cid, "SlaStarted", agency="dinas-pupr"),
                                          timeout=30)
        await produce(stack, RESPONSES.name, answer(cid, "dinas-pupr",
                                                    ResponseKind.FIRST_RESPONSE))
        [met] = await watch.wait_event(SLA.name, of(cid, "SlaMet"), timeout=30)
        events = clock_events(watch, cid)
    assert first.agency == "disdukcapil" and second.clock_id == f"{cid}:dinas-pupr:response"
    assert met.agency == "dinas-pupr" and met.case_opened_at == first.started_at
    assert not [e for e in events if e.type == "SlaBreached" and e.agency == "disdukcapil"]


async def test_waiting_for_the_citizen_pauses_and_resumes_the_resolution_clock(
        stack: RuntimeSettings, sla: ServiceProcess) -> None:
    cid = new_case()
    async with Watcher(stack, SLA.name) as watch:
        await produce(stack, ASSIGNED.name, assignment(cid, "perumda-air"))
        await watch.wait_event(SLA.name, of(cid, "SlaStarted"), timeout=30)
        await produce(stack, RESPONSES.name, answer(cid, "perumda-air",
                                                    ResponseKind.WAITING_FOR_CITIZEN))
        [paused] = await watch.wait_event(SLA.name, of(cid, "SlaPaused"), timeout=30)
        await asyncio.sleep(1.0)  # the citizen takes a second to reply
        await produce(stack, RESPONSES.name, answer(cid, "perumda-air", ResponseKind.PROGRESS))
        [resumed] = await watch.wait_event(SLA.name, of(cid, "SlaResumed"), timeout=30)
    assert paused.target == resumed.target == "resolution"
    assert (resumed.due_at - paused.due_at).total_seconds() >= 1.0


def metric(text: str, name: str, **labels: str) -> float:
    """Sum of a metric's samples whose labels include `labels`."""
    return sum(s.value for family in text_string_to_metric_families(text) for s in family.samples
               if s.name == name and labels.items() <= s.labels.items())


async def test_prometheus_counters_and_gauges_move(stack: RuntimeSettings,
                                                   sla: ServiceProcess) -> None:
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"{sla.url}/metrics")).text
    pupr = {"agency": "dinas-pupr"}
    assert metric(text, "sla_clocks_started_total", **pupr) >= 2
    assert metric(text, "sla_warnings_total", **pupr, target="response") >= 2
    assert metric(text, "sla_breaches_total", **pupr, target="response") >= 1
    assert metric(text, "sla_escalations_total", **pupr, to="regional_secretary") >= 1
    assert metric(text, "sla_met_total", agency="dlh", outcome="within") >= 1
    assert metric(text, "sla_first_response_seconds_count", agency="dlh") >= 1
    assert metric(text, "sla_open_cases", agency="dlh") >= 1  # the control case, breached
    assert metric(text, "sla_cases_overdue", agency="dlh") >= 1
    assert metric(text, "sla_timer_lateness_seconds_count") >= 5


@pytest.mark.slow
async def test_clocks_fire_once_each_when_a_second_instance_takes_partitions(
        stack: RuntimeSettings, sla: ServiceProcess) -> None:
    cases = [new_case() for _ in range(12)]  # spread over the six partitions
    port = free_port()
    second = ServiceProcess("sla", port, dict(sla.env, TANGGAP_SLA_WEB_PORT=str(port)),
                            tag="it-sla-second")
    async with Watcher(stack, SLA.name) as watch:
        await produce(stack, ASSIGNED.name, *(assignment(cid, "dinsos") for cid in cases))
        await second.start()  # joins the group: the partitions are split mid-clock
        try:
            await watch.wait_event(SLA.name, lambda e: e.complaint_id in cases
                                   and e.type == "SlaEscalated" and e.level == 2,
                                   count=len(cases), timeout=90)
            await asyncio.sleep(1.0)
            events = [e for e in watch.events(SLA.name) if e.complaint_id in cases]
        finally:
            second.stop()
    for cid in cases:
        stages = [e.type for e in events if e.complaint_id == cid and e.type != "SlaStarted"]
        assert stages == ["SlaWarning", "SlaWarning", "SlaBreached", "SlaEscalated",
                          "SlaEscalated"], (cid, stages)


async def wait_until(instant: float, bound: float = 30.0) -> None:
    """Wait (in short steps) until the wall clock passes `instant`."""
    async with asyncio.timeout(bound):
        while time.time() < instant:  # noqa: ASYNC110 - waiting on the wall clock itself
            await asyncio.sleep(0.2)


@pytest.mark.slow
async def test_kill_9_across_a_deadline_yields_exactly_one_breach_after_restart(
        stack: RuntimeSettings, sla: ServiceProcess) -> None:
    cid = new_case()
    async with Watcher(stack, SLA.name) as watch:
        await produce(stack, ASSIGNED.name, assignment(cid, "dinkes"))
        [started] = await watch.wait_event(SLA.name, of(cid, "SlaStarted"), timeout=30)
        sla.kill()
        await wait_until(started.due_at.timestamp() + 2.5)  # the deadline passes while down
        restarted_at = time.time()
        await sla.start()
        await watch.wait_event(SLA.name, of(cid, "SlaEscalated", level=2), timeout=60)
        # The level-2 escalation is the clock's last stage; give a duplicate time to show up.
        await asyncio.sleep(1.0)
        events = clock_events(watch, cid)
    breaches = [e for e in events if e.type == "SlaBreached"]
    assert len(breaches) == 1
    [breach] = breaches
    assert breach.due_at == started.due_at  # its original due time
    assert breach.occurred_at.timestamp() >= restarted_at  # fired on recovery, not before
    stages = [e.event_id for e in events if e.type in ("SlaWarning", "SlaBreached", "SlaEscalated")]
    assert len(stages) == len(set(stages)) == 5
    assert len({e.event_id for e in events if e.type == "SlaStarted"}) == 1


@pytest.mark.slow
async def test_an_answer_given_in_time_while_the_service_was_down_is_met_not_breached(
        stack: RuntimeSettings, sla: ServiceProcess) -> None:
    answered, control = new_case(), new_case()
    async with Watcher(stack, SLA.name) as watch:
        await produce(stack, ASSIGNED.name, assignment(answered, "disdik"),
                      assignment(control, "disdik"))
        [started] = await watch.wait_event(SLA.name, of(answered, "SlaStarted"), timeout=30)
        await watch.wait_event(SLA.name, of(control, "SlaStarted"), timeout=30)
        sla.kill()
        await produce(stack, RESPONSES.name, answer(answered, "disdik",
                                                    ResponseKind.FIRST_RESPONSE))
        await wait_until(started.due_at.timestamp() + 1.0)  # both deadlines pass while down
        await sla.start()
        [met] = await watch.wait_event(SLA.name, of(answered, "SlaMet"), timeout=60)
        await watch.wait_event(SLA.name, of(control, "SlaBreached"), timeout=60)
        events = clock_events(watch, answered)
    assert met.within_target and met.met_at < started.due_at
    assert not [e for e in events if e.type in ("SlaWarning", "SlaBreached", "SlaEscalated")]


async def test_evaluation_report_is_served_as_json_and_csv(stack: RuntimeSettings,
                                                           sla: ServiceProcess) -> None:
    # District agencies no other test of the session routes to: the report reads the namespace.
    answered, ignored, moved = new_case(), new_case(), new_case()
    async with Watcher(stack, SLA.name) as watch:
        await produce(stack, ASSIGNED.name, assignment(answered, "kec-marau"),
                      assignment(ignored, "kec-singkup"), assignment(moved, "kec-pemahan"))
        await watch.wait_event(SLA.name, of(answered, "SlaStarted"), timeout=30)
        await asyncio.sleep(1.0)
        await produce(stack, RESPONSES.name,
                      answer(answered, "kec-marau", ResponseKind.FIRST_RESPONSE))
        await produce(stack, REDIRECTED.name, ComplaintRedirected(
            complaint_id=moved, ticket="KTP-2", from_agency="kec-pemahan", to_agency="disnaker",
            reason="Urusan ketenagakerjaan"))  # an agency no other test redirects to
        await produce(stack, ASSIGNED.name, assignment(moved, "disnaker",
                                                       assigned_by="redirect"))
        await watch.wait_event(SLA.name, of(ignored, "SlaBreached"), timeout=30)
    async with httpx.AsyncClient(timeout=60) as http:
        as_json = await http.get(f"{sla.url}/v1/reports/evaluation", params={"period": "week"})
        as_csv = await http.get(f"{sla.url}/v1/reports/evaluation",
                                params={"period": "month", "format": "csv"})
    assert as_json.status_code == 200 and as_csv.status_code == 200
    report = as_json.json()
    rows = {r["agency"]: r for r in report["agencies"]}
    assert rows["kec-marau"]["answered_within_target"] == 1
    assert rows["kec-marau"]["median_seconds_to_first_response"] >= 1.0
    assert rows["kec-singkup"]["breaches"] == 1 and rows["kec-singkup"]["answered"] == 0
    assert (rows["kec-pemahan"]["redirections_sent"], rows["kec-pemahan"]["handed_over"]) == (1, 1)
    assert rows["disnaker"]["redirections_received"] == 1
    for period in {r["period"] for r in report["agencies"]}:
        ranks = sorted(r["rank"] for r in report["agencies"] if r["period"] == period)
        assert ranks == list(range(1, len(ranks) + 1))
    assert report["policy_version"] == "integration-seconds-1"
    header, *lines = as_csv.text.splitlines()
    assert header == ",".join(COLUMNS)
    assert any(",kec-singkup," in line for line in lines)
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / "sla-evaluation-week.json").write_text(as_json.text, encoding="utf-8")
    (LOGS / "sla-evaluation-month.csv").write_text(as_csv.text, encoding="utf-8")
