"""Verified replay of intake's status projection on the real stack: the live intake keeps the
citizen's view of a few cases from their lifecycle events; `tanggap replay intake` rebuilds
case_status and case_updates from the log in a fresh schema with equal checksums; a live row
changed behind the log's back is reported, and it alone."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from datetime import timedelta

import asyncpg
import pytest

from schemas.enums import Channel, ResponseKind
from schemas.envelope import Event, utcnow
from schemas.intake import ComplaintReceived
from schemas.responses import AgencyResponded, ComplaintResolved
from schemas.routing import ComplaintAssigned, ComplaintRedirected
from schemas.sla import SlaStarted
from schemas.topics import ASSIGNED, RECEIVED, REDIRECTED, RESPONSES, SLA, catalogue
from services.runtime.admin import ensure_topics
from services.runtime.settings import RuntimeSettings
from tests.support.kafka import produce
from tests.support.processes import ServiceProcess, free_port, tanggap_bin
from tests.support.stack import service_env


def replay(prefix: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tanggap_bin(), "replay", "intake"], env=service_env(prefix),
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
async def test_replay_rebuilds_the_status_projection_and_names_a_tampered_row(
        stack: RuntimeSettings) -> None:
    run = uuid.uuid4().hex[:8]
    stack = stack.model_copy(update={"topic_prefix": f"{stack.topic_prefix}ri{run}."})
    await ensure_topics(stack, catalogue(stack.directory()))
    t0 = utcnow() - timedelta(minutes=5)

    def at(seconds: int) -> dict[str, object]:
        return {"occurred_at": t0 + timedelta(seconds=seconds)}

    def received(n: int) -> ComplaintReceived:
        return ComplaintReceived(complaint_id=f"ri-{run}-{n}", ticket=f"KTP-RI-{run}-{n}",
                                 channel=Channel.WEB, channel_message_id=f"ri-{run}-{n}",
                                 text="Lampu jalan mati di Jl. Gajah Mada", **at(n))

    cases = [received(n) for n in range(3)]
    a, b, c = (e.complaint_id for e in cases)
    lifecycle: list[tuple[str, Event]] = [
        (ASSIGNED.name, ComplaintAssigned(complaint_id=a, ticket=cases[0].ticket,
                                          agency="dinas-pupr", rules_version="it", **at(10))),
        (SLA.name, SlaStarted(complaint_id=a, clock_id=f"{a}:dinas-pupr:response",
                              agency="dinas-pupr", due_at=t0 + timedelta(hours=48),
                              policy_version="it", started_at=t0, **at(11))),
        (RESPONSES.name, AgencyResponded(complaint_id=a, agency="dinas-pupr",
                                         kind=ResponseKind.FIRST_RESPONSE,
                                         message="Petugas kami ke lokasi besok.", **at(20))),
        (ASSIGNED.name, ComplaintAssigned(complaint_id=b, ticket=cases[1].ticket, agency="dlh",
                                          rules_version="it", **at(12))),
        (REDIRECTED.name, ComplaintRedirected(complaint_id=b, ticket=cases[1].ticket,
                                              from_agency="dlh", to_agency="dinas-pupr",
                                              reason="bukan kewenangan kami", **at(21))),
        (ASSIGNED.name, ComplaintAssigned(complaint_id=b, ticket=cases[1].ticket,
                                          agency="dinas-pupr", rules_version="it", **at(22))),
        (RESPONSES.name, ComplaintResolved(complaint_id=b, agency="dinas-pupr",
                                           summary="Sudah diperbaiki.", **at(30))),
        (ASSIGNED.name, ComplaintAssigned(complaint_id=c, ticket=cases[2].ticket, agency="dlh",
                                          rules_version="it", **at(13)))]
    lines = len(cases) + sum(1 for _, e in lifecycle if not isinstance(e, SlaStarted))
    port = free_port()
    intake = ServiceProcess("intake", port, service_env(
        stack.topic_prefix, TANGGAP_INTAKE_PORT=str(port)), tag="it-replay-intake")
    pool = await asyncpg.create_pool(stack.database_url, min_size=1, max_size=2)
    assert pool is not None
    ours = [a, b, c]
    try:
        await intake.start()
        try:
            await produce(stack, RECEIVED.name, *cases)
            for topic, event in lifecycle:
                await produce(stack, topic, event)
            for _ in range(300):  # the live projection has every line and the deadline
                done = await pool.fetchval(
                    "SELECT (SELECT count(*) FROM intake.case_updates WHERE complaint_id ="
                    " ANY($1)) = $2 AND (SELECT due_at IS NOT NULL AND status = 'in_progress'"
                    " FROM intake.case_status WHERE complaint_id = $3)", ours, lines, a)
                if done:
                    break
                await asyncio.sleep(0.1)
            assert done
        finally:
            await asyncio.to_thread(intake.stop)

        same = replay(stack.topic_prefix)
        assert same.returncode == 0, same.stdout + same.stderr
        assert "table case_status: equal (live (3," in same.stdout, same.stdout
        assert f"table case_updates: equal (live ({lines},", same.stdout

        await pool.execute("UPDATE intake.case_status SET status = 'resolved' WHERE"
                           " complaint_id = $1", c)
        moved = replay(stack.topic_prefix)
        assert moved.returncode == 1, moved.stdout + moved.stderr
        assert "table case_status: DIFFERS" in moved.stdout
        assert "table case_updates: equal" in moved.stdout
        rows = [line for line in moved.stdout.splitlines() if line.startswith("    ")]
        assert len(rows) == 2 and all(f"({c}," in row for row in rows), moved.stdout
    finally:
        await pool.close()
