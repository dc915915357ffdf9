"""A case changed after routing, on the real stack: a triaged case edited into a clear matter is
routed again; a held case's agency reads the edit and the withdrawal on its own topic, once."""

from __future__ import annotations

from schemas.enums import Channel
from schemas.intake import ComplaintEdited, ComplaintReceived, ComplaintWithdrawn
from schemas.routing import ComplaintAssigned, ComplaintTriaged
from schemas.topics import ASSIGNED, RECEIVED, TRIAGE, UPDATED, agency_topic
from services.runtime.settings import RuntimeSettings
from tests.integration.router.conftest import complaint, settle
from tests.support.kafka import Watcher, produce
from tests.support.processes import ServiceProcess


def edited(case: ComplaintReceived, text: str, version: str) -> ComplaintEdited:
    return ComplaintEdited(complaint_id=case.complaint_id, ticket=case.ticket,
                           channel=Channel.WHATSAPP, channel_message_id=case.channel_message_id,
                           edit_id=version, text=text)


def withdrawn(case: ComplaintReceived) -> ComplaintWithdrawn:
    return ComplaintWithdrawn(complaint_id=case.complaint_id, ticket=case.ticket,
                              channel=Channel.WHATSAPP, channel_message_id=case.channel_message_id,
                              reason="revoke")


async def test_triaged_case_edited_into_a_clear_matter_is_routed_again(
        stack: RuntimeSettings, router: ServiceProcess) -> None:
    vague = complaint("min tolong dibantu ya urusan yang itu")
    mine = lambda e: e.complaint_id == vague.complaint_id  # noqa: E731
    road = agency_topic("dinas-pupr")
    async with Watcher(stack, TRIAGE.name, ASSIGNED.name, road) as watch:
        await produce(stack, RECEIVED.name, vague)
        [triaged] = await watch.wait_event(TRIAGE.name, mine)
        edit = edited(vague, "Jalan berlubang besar di depan pasar Desa Kepari, aspal rusak "
                             "parah dan membahayakan pengendara", "wamid.v2")
        await produce(stack, UPDATED.name, edit, edit)  # redelivered edit
        [assigned] = await watch.wait_event(ASSIGNED.name, mine)
        [held] = await watch.wait_event(road, mine)
        await settle(watch, ASSIGNED.name, road)
        assert len([e for e in watch.events(ASSIGNED.name) if mine(e)]) == 1
    assert isinstance(triaged, ComplaintTriaged)
    assert isinstance(assigned, ComplaintAssigned) and assigned.agency == "dinas-pupr"
    assert assigned.causation_id == edit.event_id and "edit" in (assigned.reason or "")
    assert "aspal" in assigned.text and held.event_id == assigned.event_id


async def test_holder_reads_the_masked_edit_and_the_withdrawal_once(
        stack: RuntimeSettings, router: ServiceProcess) -> None:
    case = complaint("jembatan kayu di Desa Mayak lapuk dan hampir putus, tolong PU perbaiki")
    # The edit reaches the router before the case itself (another topic): it waits, then applies.
    early = edited(case, "jembatan kayu Desa Mayak sudah putus, warga 0812 3456 7890 jatuh",
                   "wamid.v2")
    mine = lambda e: e.complaint_id == case.complaint_id  # noqa: E731
    road = agency_topic("dinas-pupr")
    async with Watcher(stack, road) as watch:
        await produce(stack, UPDATED.name, early)
        await produce(stack, RECEIVED.name, case)
        await watch.wait_event(road, lambda e: mine(e) and isinstance(e, ComplaintEdited))
        gone = withdrawn(case)
        await produce(stack, UPDATED.name, gone, gone)
        await watch.wait_event(road, lambda e: mine(e) and isinstance(e, ComplaintWithdrawn))
        await settle(watch, road)
        told = [e for e in watch.events(road) if mine(e)]
    assert [type(e) for e in told] == [ComplaintAssigned, ComplaintEdited, ComplaintWithdrawn]
    assigned, edit, withdrawal = told
    assert "[telepon]" in edit.text and "3456" not in edit.text
    assert edit.causation_id == early.event_id and withdrawal.causation_id == gone.event_id
    assert withdrawal.reason == "revoke"
