"""An agency says "not ours": the case moves on, twice, then back to triage; the chain stays."""

from __future__ import annotations

from schemas.enums import ResponseKind
from schemas.responses import AgencyResponded
from schemas.routing import ComplaintAssigned, ComplaintRedirected, ComplaintTriaged
from schemas.topics import ASSIGNED, RECEIVED, REDIRECTED, RESPONSES, TRIAGE, agency_topic
from services.runtime.settings import RuntimeSettings
from tests.integration.router.conftest import complaint, settle
from tests.support.kafka import Watcher, produce
from tests.support.processes import ServiceProcess


def not_ours(complaint_id: str, agency: str, to: str | None, why: str) -> AgencyResponded:
    return AgencyResponded(complaint_id=complaint_id, agency=agency, kind=ResponseKind.NOT_OURS,
                           redirect_to=to, message=why, public=False, responder=f"admin-{agency}")


async def test_case_redirected_twice_keeps_its_chain_then_returns_to_triage(
        stack: RuntimeSettings, router: ServiceProcess) -> None:
    case = complaint("jalan rusak berlubang besar di depan rumah kami, tiap hari tergenang")
    cid = case.complaint_id
    mine = lambda e: e.complaint_id == cid  # noqa: E731
    topics = (ASSIGNED.name, REDIRECTED.name, TRIAGE.name, agency_topic("perumda-air"),
              agency_topic("dlh"))
    async with Watcher(stack, *topics) as watch:
        await produce(stack, RECEIVED.name, case)
        [first] = await watch.wait_event(ASSIGNED.name, mine)
        assert first.agency == "dinas-pupr"

        to_water = not_ours(cid, "dinas-pupr", "perumda-air", "Sumbernya pipa PDAM yang bocor")
        await produce(stack, RESPONSES.name, to_water, to_water)  # redelivered answer
        [on_water] = await watch.wait_event(agency_topic("perumda-air"), mine)
        to_dlh = not_ours(cid, "perumda-air", "dlh", "Bukan pipa kami, itu limbah warga")
        stale = not_ours(cid, "dinas-pupr", "dishub", "late answer from a former holder")
        await produce(stack, RESPONSES.name, to_dlh, stale)
        [on_dlh] = await watch.wait_event(agency_topic("dlh"), mine)
        back = not_ours(cid, "dlh", None, "Tidak jelas, mohon operator cek lokasi")
        await produce(stack, RESPONSES.name, back)
        [triaged] = await watch.wait_event(TRIAGE.name, mine)
        await settle(watch, *topics)
        redirected = [e for e in watch.events(REDIRECTED.name) if mine(e)]
        assigned = [e for e in watch.events(ASSIGNED.name) if mine(e)]

    assert isinstance(on_water, ComplaintAssigned) and isinstance(on_dlh, ComplaintAssigned)
    assert on_water.assigned_by == on_dlh.assigned_by == "redirect"
    assert on_water.agency_chain == ("dinas-pupr",)
    assert on_dlh.agency_chain == ("dinas-pupr", "perumda-air")
    assert [(r.from_agency, r.to_agency) for r in redirected] == [
        ("dinas-pupr", "perumda-air"), ("perumda-air", "dlh"), ("dlh", None)]
    assert all(isinstance(r, ComplaintRedirected) and r.reason for r in redirected)
    assert redirected[-1].agency_chain == ("dinas-pupr", "perumda-air", "dlh")
    assert isinstance(triaged, ComplaintTriaged) and triaged.agency == "diskominfo"
    assert [a.agency for a in assigned] == ["dinas-pupr", "perumda-air", "dlh"]
