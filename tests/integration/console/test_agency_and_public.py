"""The agency's inbox and answers, and the citizen's status page, in process."""

from __future__ import annotations

from schemas.enums import ResponseKind
from schemas.responses import AgencyResponded
from schemas.sla import SlaBreached, SlaMet
from schemas.topics import RESPONSES
from services.console.ratelimit import Buckets
from tests.integration.console.conftest import Console, at, csrf_of, new_id
from tests.integration.console.events import assigned, received, started
from tests.integration.console.kafka_read import sent


def held_case(console: Console, agency: str = "dinas-pupr", confidential: bool = False,
              hours_left: float = 20) -> tuple[str, str]:
    cid = new_id()
    ticket = f"KTP-AG-{cid[-6:].upper()}"
    opened = at(-1)
    console.seed(received(cid, ticket, opened, confidential=confidential),
                 assigned(cid, ticket, agency, opened), started(cid, agency, opened,
                                                                hours=hours_left + 1))
    return cid, ticket


def test_inbox_lists_own_open_cases_with_time_left_and_this_months_counts(
        console: Console) -> None:
    mine, mine_ticket = held_case(console)
    theirs, theirs_ticket = held_case(console, agency="dlh")
    earlier = new_id()  # clocks of earlier cases, met in time and breached, this month
    console.seed(SlaMet(complaint_id=earlier, occurred_at=at(-0.5), clock_id="met-1",
                        agency="dinas-pupr", due_at=at(5), met_at=at(-0.5),
                        elapsed_seconds=1800, within_target=True),
                 SlaBreached(complaint_id=earlier, occurred_at=at(-0.4), clock_id="late-1",
                             agency="dinas-pupr", due_at=at(-0.4)))
    page = console.signed_in("pupr").get("/instansi")
    assert page.status_code == 200
    assert mine_ticket in page.text and theirs_ticket not in page.text
    assert "sisa 20 j 0 m" in page.text
    assert "<strong>1</strong> tepat waktu" in page.text
    assert "<strong>1</strong> terlambat" in page.text
    assert 'name="viewport"' in page.text  # one column on a phone
    fragment = console.signed_in("pupr").get("/instansi/isi")
    assert mine_ticket in fragment.text and "<html" not in fragment.text


def test_agency_answers_with_a_template_and_resolves(console: Console) -> None:
    cid, ticket = held_case(console)
    pupr = console.signed_in("pupr")
    page = pupr.get(f"/kasus/{cid}")
    assert "Terima kasih atas laporan Anda" in page.text  # the first template, pre-filled
    assert "Kontak pelapor" not in page.text  # agencies see no contact data
    template = pupr.get("/kasus/templat?kind=resolved")
    assert "Perbaikan sudah selesai" in template.text
    token = csrf_of(page.text)
    assert pupr.post(f"/kasus/{cid}/jawab", data={"csrf": token, "kind": "first_response",
                                                  "message": "Kami tinjau besok",
                                                  "token": "j1"}).status_code == 303
    assert pupr.post(f"/kasus/{cid}/jawab", data={"csrf": token, "kind": "bogus",
                                                  "message": "x"}).status_code == 422
    assert pupr.post(f"/kasus/{cid}/selesai", data={"csrf": token, "message": "Sudah diaspal",
                                                    "token": "j2"}).status_code == 303
    events = sent(console, RESPONSES.name, lambda e: e.complaint_id == cid, count=3)
    kinds = [(e.type, getattr(e, "kind", None)) for e in events]
    assert ("AgencyResponded", ResponseKind.FIRST_RESPONSE) in kinds
    assert ("AgencyResponded", ResponseKind.RESOLVED) in kinds
    assert ("ComplaintResolved", None) in kinds
    assert all(e.agency == "dinas-pupr" for e in events)


def test_not_ours_needs_a_reason_and_sends_not_ours(console: Console) -> None:
    cid, ticket = held_case(console)
    pupr = console.signed_in("pupr")
    token = csrf_of(pupr.get(f"/kasus/{cid}").text)
    empty = pupr.post(f"/kasus/{cid}/bukan-wewenang", data={"csrf": token, "reason": ""})
    assert empty.status_code == 422 and "alasan wajib" in empty.text
    done = pupr.post(f"/kasus/{cid}/bukan-wewenang", data={
        "csrf": token, "reason": "Ini jalan provinsi", "token": "nw"})
    assert done.status_code == 303 and done.headers["location"].startswith("/instansi")
    [event] = sent(console, RESPONSES.name, lambda e: e.complaint_id == cid)
    assert event.kind is ResponseKind.NOT_OURS and event.message == "Ini jalan provinsi"


def test_operators_cannot_answer_for_an_agency(console: Console) -> None:
    cid, _ = held_case(console)
    op = console.signed_in("op1")
    token = csrf_of(op.get(f"/kasus/{cid}").text)
    assert op.post(f"/kasus/{cid}/jawab", data={"csrf": token, "kind": "progress",
                                                "message": "x"}).status_code == 403


def test_status_page_shows_status_and_public_answer_without_text_or_names(
        console: Console) -> None:
    cid, ticket = held_case(console)
    console.seed(AgencyResponded(complaint_id=cid, occurred_at=at(-0.2), agency="dinas-pupr",
                                 kind=ResponseKind.FIRST_RESPONSE,
                                 message="Petugas meninjau lokasi besok pagi",
                                 responder="pupr-budi"))
    public = console.client  # no session
    form = public.get("/lapor")
    assert form.status_code == 200 and 'action="/lapor"' in form.text
    assert public.get(f"/lapor?tiket={ticket.lower()}").headers["location"] == f"/lapor/{ticket}"
    page = public.get(f"/lapor/{ticket}")
    assert page.status_code == 200
    assert "Sedang ditangani" in page.text and "Dinas Pekerjaan Umum" in page.text
    assert "Petugas meninjau lokasi besok pagi" in page.text
    assert "Gajah Mada" not in page.text and "pupr-budi" not in page.text  # no text, no names
    assert "<script" not in page.text.split("</head>")[1]  # nothing needs JavaScript
    assert public.get(f"/lapor/{cid}").status_code == 404  # a complaint id is not a ticket
    assert public.get("/lapor/KTP-0000-NOPE").status_code == 404


def test_confidential_case_shows_status_only(console: Console) -> None:
    cid, ticket = held_case(console, confidential=True)
    console.seed(AgencyResponded(complaint_id=cid, occurred_at=at(-0.2), agency="dinas-pupr",
                                 kind=ResponseKind.PROGRESS, message="Sedang diperiksa"))
    page = console.client.get(f"/lapor/{ticket}")
    assert "Sedang ditangani" in page.text and "rahasia" in page.text
    assert "Sedang diperiksa" not in page.text and "Dinas Pekerjaan" not in page.text


def test_status_page_is_rate_limited(console: Console) -> None:
    _, ticket = held_case(console)
    saved = console.state.status_limits
    console.state.status_limits = Buckets(rate=0.01, burst=3)
    try:
        codes = [console.client.get(f"/lapor/{ticket}").status_code for _ in range(5)]
    finally:
        console.state.status_limits = saved
    assert codes[:3] == [200] * 3 and codes[3] == 429
