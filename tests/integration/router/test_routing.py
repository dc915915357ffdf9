"""A complaint on complaints.received reaches the right place, on the real Kafka and PostgreSQL."""

from __future__ import annotations

from schemas.envelope import Event
from schemas.routing import (
    ComplaintAssigned,
    ComplaintExternal,
    ComplaintLinked,
    ComplaintSuppressed,
    ComplaintTriaged,
)
from schemas.topics import (
    ASSIGNED,
    EXTERNAL,
    LINKED,
    RECEIVED,
    SUPPRESSED,
    TRIAGE,
    agency_topic,
)
from services.runtime.partitioning import partition_of
from services.runtime.settings import RuntimeSettings
from tests.integration.router.conftest import complaint, on_partition, settle
from tests.support.kafka import Watcher, produce
from tests.support.processes import ServiceProcess

TOPICS = (ASSIGNED.name, TRIAGE.name, SUPPRESSED.name, EXTERNAL.name, LINKED.name,
          agency_topic("dinas-pupr"), agency_topic("dlh"))


def of(complaint_id: str) -> object:
    return lambda e: e.complaint_id == complaint_id


async def test_road_complaint_reaches_pupr_topic_masked_with_rules_version(
        stack: RuntimeSettings, router: ServiceProcess) -> None:
    road = complaint("jln di Desa Kepari rusak parah bgt, lubang dmn2. hub sy 0812-3456-7890")
    async with Watcher(stack, *TOPICS) as watch:
        await produce(stack, RECEIVED.name, road)
        [assigned] = await watch.wait_event(agency_topic("dinas-pupr"), of(road.complaint_id))
    assert isinstance(assigned, ComplaintAssigned)
    assert assigned.agency == "dinas-pupr" and assigned.assigned_by == "router"
    assert assigned.kecamatan == "kec-sungai-laur" and assigned.ticket == road.ticket
    assert assigned.rules_version.startswith("ketapang-")
    assert "0812" not in assigned.model_dump_json() and "[telepon]" in assigned.text
    assert "contains_pii" in assigned.flags


async def test_political_post_is_suppressed_on_its_topic_not_dropped(
        stack: RuntimeSettings, router: ServiceProcess) -> None:
    post = complaint("Coblos paslon nomor urut 2 di pilkada nanti, Ketapang butuh bupati baru!",
                     channel="instagram")
    async with Watcher(stack, *TOPICS) as watch:
        await produce(stack, RECEIVED.name, post)
        [suppressed] = await watch.wait_event(SUPPRESSED.name, of(post.complaint_id))
    assert isinstance(suppressed, ComplaintSuppressed)
    assert suppressed.agency == "diskominfo" and suppressed.disposition == "no_response"
    assert "political" in suppressed.flags and suppressed.reason


async def test_power_cut_goes_external_to_pln_with_message_for_the_citizen(
        stack: RuntimeSettings, router: ServiceProcess) -> None:
    outage = complaint("mati lampu dari tadi pagi di Kendawangan Kiri, PLN kapan nyala?")
    async with Watcher(stack, *TOPICS) as watch:
        await produce(stack, RECEIVED.name, outage)
        [external] = await watch.wait_event(EXTERNAL.name, of(outage.complaint_id))
    assert isinstance(external, ComplaintExternal)
    assert external.agency == "ext-pln" and "external" in external.flags
    assert "PLN" in external.citizen_message and external.kecamatan == "kec-kendawangan"


async def test_message_without_a_matter_goes_to_the_triage_queue(
        stack: RuntimeSettings, router: ServiceProcess) -> None:
    vague = complaint("pak gimana kelanjutannya? blm ada kabar sampe skrg")
    async with Watcher(stack, *TOPICS) as watch:
        await produce(stack, RECEIVED.name, vague)
        [triaged] = await watch.wait_event(TRIAGE.name, of(vague.complaint_id))
    assert isinstance(triaged, ComplaintTriaged) and triaged.agency == "diskominfo"
    assert triaged.confidence < 0.4


async def test_second_report_of_the_same_incident_is_linked_and_keeps_its_ticket(
        stack: RuntimeSettings, router: ServiceProcess) -> None:
    first = complaint("Sampah menumpuk di TPS Jalan Merdeka Kelurahan Sampit, sudah seminggu "
                      "tidak diangkut, baunya menyengat")
    second = complaint("TPS di jalan merdeka sampit sampahnya numpuk seminggu gak diangkut, bau",
                       channel="instagram")
    async with Watcher(stack, *TOPICS) as watch:
        await produce(stack, RECEIVED.name, first)
        await watch.wait_event(ASSIGNED.name, of(first.complaint_id))
        await produce(stack, RECEIVED.name, second)
        [linked] = await watch.wait_event(LINKED.name, of(second.complaint_id))
        [assigned] = await watch.wait_event(ASSIGNED.name, of(second.complaint_id))
    assert isinstance(linked, ComplaintLinked)
    assert linked.parent_complaint_id == first.complaint_id
    assert linked.ticket == second.ticket and linked.parent_ticket == first.ticket
    assert linked.agency == "dlh" and linked.similarity >= 0.5
    assert isinstance(assigned, ComplaintAssigned)
    assert assigned.parent_complaint_id == first.complaint_id


async def test_redelivered_complaint_event_is_assigned_once(
        stack: RuntimeSettings, router: ServiceProcess) -> None:
    road = complaint("jembatan kayu di Desa Mayak lapuk dan hampir putus, tolong PU perbaiki")
    async with Watcher(stack, *TOPICS) as watch:
        await produce(stack, RECEIVED.name, road, road, road)  # the same event id, three times
        await watch.wait_event(ASSIGNED.name, of(road.complaint_id))
        marker = on_partition(partition_of(road.complaint_id.encode(), RECEIVED.partitions),
                              "sampah di depan rumah belum diangkut dua minggu")
        await produce(stack, RECEIVED.name, marker)
        await watch.wait_event(ASSIGNED.name, of(marker.complaint_id))
        await settle(watch, ASSIGNED.name, agency_topic("dinas-pupr"))
        mine: list[Event] = [e for e in watch.events(ASSIGNED.name)
                             if e.complaint_id == road.complaint_id]
        on_agency = [e for e in watch.events(agency_topic("dinas-pupr"))
                     if e.complaint_id == road.complaint_id]
    assert len(mine) == 1 and len(on_agency) == 1
