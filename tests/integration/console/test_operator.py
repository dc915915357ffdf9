"""The center's pages in process: queue, claims, assignment, duplicates, SLA board, search."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

import httpx

from schemas.topics import COMMANDS, LINKED
from services.console.audit_reader import audit_reader
from services.console.timeline import Entry, projected_timeline
from tests.integration.console.conftest import Console, at, csrf_of, new_id
from tests.integration.console.events import assigned, received, started, suppressed, triaged
from tests.integration.console.kafka_read import sent


def triage_case(console: Console, hours: float = -3) -> tuple[str, str]:
    cid = new_id()
    ticket = f"KTP-2026-{cid[-6:].upper()}"
    console.seed(received(cid, ticket, at(hours)), triaged(cid, ticket, at(hours + 0.01)))
    return cid, ticket


def test_queue_lists_triaged_cases_oldest_first_with_the_routers_suggestion(
        console: Console) -> None:
    newer, newer_ticket = triage_case(console, hours=-1)
    older, older_ticket = triage_case(console, hours=-30)
    op = console.signed_in("op1")
    page = op.get("/operator/antrian")
    assert page.status_code == 200
    assert page.text.index(older_ticket) < page.text.index(newer_ticket)
    assert "WhatsApp" in page.text and "[telepon]" in page.text  # channel, masked text
    assert "Dinas Pekerjaan Umum" in page.text and "42%" in page.text  # suggestion, confidence
    assert "runner-up" in page.text  # the router's reason
    assert 'hx-trigger="every' in page.text  # refreshes by itself
    fragment = op.get("/operator/antrian/isi", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert older_ticket in fragment.text


def test_a_claim_shows_its_holder_blocks_others_and_expires(console: Console) -> None:
    cid, _ = triage_case(console)
    op1, op2 = console.signed_in("op1"), console.signed_in("op2")
    token1 = csrf_of(op1.get(f"/kasus/{cid}").text)
    assert op1.post(f"/kasus/{cid}/klaim", data={"csrf": token1}).status_code == 303
    page = op2.get(f"/kasus/{cid}")
    assert "Dipegang <strong>op1</strong>" in page.text
    token2 = csrf_of(page.text)
    held = op2.post(f"/kasus/{cid}/klaim", data={"csrf": token2})
    assert "sedang dipegang op1" in op2.get(held.headers["location"]).text
    forged = op2.get(f"/kasus/{cid}?pesan=Hubungi+0812+untuk+hadiah").text
    assert "hadiah" not in forged  # only messages the console signed are shown
    refused = op2.post(f"/kasus/{cid}/tugaskan", data={"csrf": token2, "agency": "dlh",
                                                        "reason": "sampah", "token": "t1"})
    assert refused.status_code == 409
    assert "op1" in op2.get("/operator/antrian/isi").text
    console.now += timedelta(minutes=16)  # the claim lapses
    try:
        op2.post(f"/kasus/{cid}/klaim", data={"csrf": token2})
        assert "Dipegang <strong>op2</strong>" in op2.get(f"/kasus/{cid}").text
    finally:
        console.now -= timedelta(minutes=16)


def test_assign_needs_a_reason_and_sends_assign_complaint(console: Console) -> None:
    cid, _ = triage_case(console)
    op = console.signed_in("op1")
    page = op.get(f"/kasus/{cid}").text
    assert "3 j 0 m sejak diterima" in page  # the case's own clock, across holders
    token = csrf_of(page)
    no_reason = op.post(f"/kasus/{cid}/tugaskan", data={"csrf": token, "agency": "dinas-pupr",
                                                         "reason": " ", "token": "a"})
    assert no_reason.status_code == 422 and "alasan wajib" in no_reason.text
    unknown = op.post(f"/kasus/{cid}/tugaskan", data={"csrf": token, "agency": "dinas-bulan",
                                                       "reason": "x", "token": "a"})
    assert unknown.status_code == 422
    done = op.post(f"/kasus/{cid}/tugaskan", data={"csrf": token, "agency": "dinas-pupr",
                                                    "reason": "jalan kabupaten", "token": "a"})
    assert done.status_code == 303
    op.post(f"/kasus/{cid}/tugaskan", data={"csrf": token, "agency": "dinas-pupr",
                                            "reason": "jalan kabupaten", "token": "a"})
    commands = sent(console, COMMANDS.name, lambda e: e.complaint_id == cid, count=2)
    assert commands[0].agency == "dinas-pupr" and commands[0].operator == "op1"
    assert commands[0].note == "jalan kabupaten"
    assert commands[0].event_id == commands[1].event_id  # the same form twice: one command


def test_bulk_assign_sends_one_command_per_ticked_case(console: Console) -> None:
    ids = [triage_case(console)[0] for _ in range(3)]
    op = console.signed_in("op2")
    page = op.get("/operator/antrian")
    done = op.post("/operator/tugaskan-massal", data={
        "csrf": csrf_of(page.text), "ids[]": ids, "agency": "dlh", "reason": "sampah",
        "token": "bulk-1"})
    assert done.status_code == 303 and "terkirim=3" in done.headers["location"]
    commands = sent(console, COMMANDS.name, lambda e: e.complaint_id in ids, count=3)
    assert {c.agency for c in commands} == {"dlh"}
    empty = op.post("/operator/tugaskan-massal", data={"csrf": csrf_of(page.text),
                                                        "agency": "dlh", "reason": "x"})
    assert empty.status_code == 422


def test_link_as_duplicate_sends_complaint_linked(console: Console) -> None:
    parent, parent_ticket = triage_case(console)
    child, _ = triage_case(console)
    op = console.signed_in("op1")
    token = csrf_of(op.get(f"/kasus/{child}").text)
    assert op.post(f"/kasus/{child}/duplikat", data={"csrf": token, "parent": "KTP-NOPE",
                                                      "token": "l"}).status_code == 422
    done = op.post(f"/kasus/{child}/duplikat", data={"csrf": token, "parent": parent_ticket,
                                                      "token": "l"})
    assert done.status_code == 303
    [linked] = sent(console, LINKED.name, lambda e: e.complaint_id == child)
    assert linked.parent_complaint_id == parent and linked.parent_ticket == parent_ticket


def test_sla_board_sorts_by_time_left_with_colours_grouped_by_agency(console: Console) -> None:
    rows = {}
    for name, agency, hours_left in (("green", "disdik", 30), ("amber", "disdik", 5),
                                     ("red", "dinsos", -2)):
        cid = new_id()
        ticket = f"KTP-SLA-{cid[-6:].upper()}"
        opened = at(-1)
        console.seed(received(cid, ticket, opened), assigned(cid, ticket, agency, opened),
                     started(cid, agency, opened, hours=hours_left + 1))
        rows[name] = ticket
    op = console.signed_in("op1")
    board = op.get("/operator/sla").text
    assert board.index(rows["red"]) < board.index(rows["amber"]) < board.index(rows["green"])
    assert "terlambat 2 j 0 m" in board and "sisa 5 j 0 m" in board and "sisa 30 j 0 m" in board
    assert 'badge merah' in board and 'badge kuning' in board and 'badge hijau' in board
    assert "Dinas Sosial" in board and "Dinas Pendidikan" in board
    fragment = op.get("/operator/sla/isi")
    assert "<html" not in fragment.text and rows["red"] in fragment.text


def test_search_filters_and_exports_the_same_filter_as_csv(console: Console) -> None:
    cid = new_id()
    ticket = f"KTP-CARI-{cid[-6:].upper()}"
    console.seed(received(cid, ticket, at(-2), text="Sampah menumpuk di pasar ikan Sukabangun",
                          kecamatan="kec-benua-kayong"))
    op = console.signed_in("op2")
    for query in (f"tiket={ticket}", "teks=pasar+ikan", "kecamatan=kec-benua-kayong",
                  "status=received&teks=Sukabangun", "dari=2026-11-20&sampai=2026-11-20&teks=ikan",
                  "kanal=whatsapp&teks=Sukabangun"):
        assert ticket in op.get(f"/operator/cari?{query}").text, query
    assert ticket not in op.get("/operator/cari?teks=ikan&dari=2026-11-21").text
    assert op.get("/operator/cari?dari=kemarin").status_code == 422
    exported = op.get("/operator/cari.csv?teks=pasar+ikan")
    assert exported.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(exported.text)))
    assert lines[0][0] == "tiket" and [ticket] == [r[0] for r in lines[1:]]


def test_suppressed_items_show_their_reason_to_supervisors_only(console: Console) -> None:
    cid = new_id()
    ticket = f"KTP-POL-{cid[-6:].upper()}"
    console.seed(received(cid, ticket, at(-1)), suppressed(cid, ticket, at(-0.9)))
    page = console.signed_in("spv").get("/operator/disaring")
    assert ticket in page.text and "political" in page.text and "campaign content" in page.text
    assert console.signed_in("op1").get("/operator/disaring").status_code == 403


def test_taken_form_needs_text_and_reports_an_unreachable_intake(console: Console) -> None:
    op = console.signed_in("op1")
    page = op.get("/operator/aduan-baru")
    assert page.status_code == 200 and "Telepon 112" in page.text
    token = csrf_of(page.text)
    empty = op.post("/operator/aduan-baru", data={"csrf": token, "mode": "telepon", "text": "",
                                                  "token": "f1"})
    assert empty.status_code == 422 and "isi aduan wajib" in empty.text
    no_key = op.post("/operator/aduan-baru", data={"csrf": token, "mode": "surat",
                                                   "text": "Lampu jalan mati", "token": "f1"})
    assert no_key.status_code == 503 and "kunci adaptor" in no_key.text


def test_the_case_timeline_is_read_through_one_replaceable_reader(console: Console) -> None:
    """The seam for the audit service's reader: the case page shows whatever it returns."""
    cid, _ = triage_case(console)
    op = console.signed_in("op1")
    assert "ComplaintTriaged" in op.get(f"/kasus/{cid}/riwayat").text  # the projection's

    async def audit_reader(pool, complaint_id):  # type: ignore[no-untyped-def]
        return [Entry(at(0), "ComplaintReceived", "complaints.received", "intake",
                      "dari log audit", uuid.uuid4(), None)]
    saved, console.state.timeline = console.state.timeline, audit_reader
    try:
        assert "dari log audit" in op.get(f"/kasus/{cid}").text
        assert "dari log audit" in op.get(f"/kasus/{cid}/riwayat").text
    finally:
        console.state.timeline = saved


def test_metrics_count_the_consoles_actions(console: Console) -> None:
    metrics = console.client.get("/metrics").text
    assert "console_actions_total" in metrics and "console_signins_total" in metrics


def test_a_late_complaint_received_never_takes_a_case_back_to_received(console: Console) -> None:
    cid = new_id()
    ticket = f"KTP-ORD-{cid[-6:].upper()}"
    same_time = at(-1)
    console.seed(assigned(cid, ticket, "dlh", same_time), received(cid, ticket, same_time))
    page = console.signed_in("op1").get(f"/kasus/{cid}").text
    assert "Diteruskan ke instansi" in page and "Jalan rusak" in page


def test_only_the_holder_or_a_supervisor_releases_a_claim(console: Console) -> None:
    cid, _ = triage_case(console)
    op1, op2, spv = (console.signed_in(n) for n in ("op1", "op2", "spv"))
    op1.post(f"/kasus/{cid}/klaim", data={"csrf": csrf_of(op1.get(f"/kasus/{cid}").text)})
    op2.post(f"/kasus/{cid}/lepas", data={"csrf": csrf_of(op2.get(f"/kasus/{cid}").text)})
    assert "Dipegang <strong>op1</strong>" in op2.get(f"/kasus/{cid}").text
    spv.post(f"/kasus/{cid}/lepas", data={"csrf": csrf_of(spv.get(f"/kasus/{cid}").text)})
    assert "Belum dipegang siapa pun" in op2.get(f"/kasus/{cid}").text
    op1.post(f"/kasus/{cid}/klaim", data={"csrf": csrf_of(op1.get(f"/kasus/{cid}").text)})
    op1.post(f"/kasus/{cid}/lepas", data={"csrf": csrf_of(op1.get(f"/kasus/{cid}").text)})
    assert "Belum dipegang siapa pun" in op1.get(f"/kasus/{cid}").text


def test_the_timeline_comes_from_the_audit_service_when_configured(console: Console) -> None:
    """Against a stand-in of audit's GET /v1/cases/{ref}/timeline; its outage falls back."""
    cid, ticket = triage_case(console)
    calls: list[str] = []
    up = {"ok": True}

    def audit(request: httpx.Request) -> httpx.Response:
        calls.append(request.headers.get("x-operator-key", ""))
        if not up["ok"]:
            return httpx.Response(503)
        return httpx.Response(200, json={"reference": cid, "cases": [{
            "complaint_id": cid, "ticket": ticket, "events": [{
                "n": 1, "occurred_at": at(-3).isoformat(), "type": "ComplaintReceived",
                "service": "intake", "topic": "complaints.received", "partition": 0,
                "offset": 7, "event_id": str(uuid.uuid4()), "causation_id": None,
                "summary": "baris dari log audit", "record": {"text": "RAHASIA"}}]}]})

    async def reader_with_stand_in():  # type: ignore[no-untyped-def]
        client = httpx.AsyncClient(transport=httpx.MockTransport(audit))
        return audit_reader(client, "http://audit.test", "kunci-op", projected_timeline)

    saved = console.state.timeline
    console.state.timeline = console.run(reader_with_stand_in)
    try:
        op = console.signed_in("op1")
        page = op.get(f"/kasus/{cid}/riwayat").text
        assert "baris dari log audit" in page and "log (audit)" in page
        assert "RAHASIA" not in page and calls == ["kunci-op"]
        up["ok"] = False
        page = op.get(f"/kasus/{cid}/riwayat").text
        assert "ComplaintTriaged" in page and "proyeksi konsol" in page
    finally:
        console.state.timeline = saved
