"""The citizen's loop and a case's content changing after it opened, in the console's screens:
edits and look-ups (in any order), verdicts, re-opening, closing and withdrawal; and the
reporter's contact, read from intake for center staff only."""

from __future__ import annotations

from schemas.enums import Channel
from schemas.intake import ComplaintEdited, ComplaintEnriched, ComplaintWithdrawn
from schemas.responses import ComplaintResolved
from schemas.verdicts import CitizenVerdict, ComplaintClosed, ComplaintReopened
from services.console.contact_reader import Contact
from tests.integration.console.conftest import Console, at, csrf_of, new_id
from tests.integration.console.events import TEXT, assigned, received, started, triaged

EDITED = "Jalan rusak di Jl. Gajah Mada sudah makin parah, lubang 1 meter"


def row_of(console: Console, cid: str):  # type: ignore[no-untyped-def]
    return console.run(console.state.pool.fetchrow,
                       "SELECT * FROM cases WHERE complaint_id = $1", cid)


def edited(cid: str, ticket: str, hours: float, text: str = EDITED) -> ComplaintEdited:
    return ComplaintEdited(complaint_id=cid, occurred_at=at(hours), ticket=ticket,
                           channel=Channel.WHATSAPP, channel_message_id=f"m-{cid}",
                           edit_id=f"e-{hours}", text=text)


def withdrawn(cid: str, ticket: str, hours: float) -> ComplaintWithdrawn:
    return ComplaintWithdrawn(complaint_id=cid, occurred_at=at(hours), ticket=ticket,
                              channel=Channel.WHATSAPP, channel_message_id=f"m-{cid}",
                              reason="revoke")


def test_an_edit_read_before_its_complaint_received_is_kept_and_the_first_text_too(
        console: Console) -> None:
    cid = new_id()
    ticket = f"KTP-ED-{cid[-6:].upper()}"
    edit = edited(cid, ticket, -0.5)
    # Read out of order across topics: the edit, then the case, then the router's decision
    # (which quotes the text as received), then an older edit, then the edit redelivered.
    console.seed(edit, received(cid, ticket, at(-1)), assigned(cid, ticket, "dinas-pupr", at(-0.9)),
                 edited(cid, ticket, -0.7, text="versi lama"))
    console.seed(edit)
    row = row_of(console, cid)
    assert (row["text"], row["first_text"], row["status"]) == (EDITED, TEXT, "assigned")
    assert row["agency"] == "dinas-pupr" and row["received_at"] == at(-1)
    count = console.run(console.state.pool.fetchval, "SELECT count(*) FROM case_events"
                        " WHERE complaint_id = $1 AND type = 'ComplaintEdited'", cid)
    assert count == 2  # the redelivered edit changed nothing
    page = console.signed_in("pupr").get(f"/kasus/{cid}").text
    assert "lubang 1 meter" in page and "Isi awal" in page and "hubungi [telepon]" in page
    assert "isi aduan diubah pelapor" in page


def test_a_look_up_completes_a_case_opened_without_text(console: Console) -> None:
    cid = new_id()
    ticket = f"KTP-EN-{cid[-6:].upper()}"
    console.seed(received(cid, ticket, at(-1), text="", channel=Channel.INSTAGRAM),
                 ComplaintEnriched(complaint_id=cid, occurred_at=at(-0.9), ticket=ticket,
                                   channel=Channel.INSTAGRAM, channel_message_id=f"m-{cid}",
                                   lookup="instagram_mention", text="Sampah menumpuk di pasar"))
    row = row_of(console, cid)
    assert row["text"] == "Sampah menumpuk di pasar" and row["first_text"] == ""
    page = console.signed_in("op1").get(f"/kasus/{cid}").text
    assert "Sampah menumpuk di pasar" in page and "Isi awal" not in page


def test_a_reopened_case_is_back_in_the_agency_inbox_with_the_citizens_verdict(
        console: Console) -> None:
    cid = new_id()
    ticket = f"KTP-RO-{cid[-6:].upper()}"
    console.seed(received(cid, ticket, at(-5)), assigned(cid, ticket, "dinas-pupr", at(-5)),
                 started(cid, "dinas-pupr", at(-5)),
                 ComplaintResolved(complaint_id=cid, occurred_at=at(-3), agency="dinas-pupr"))
    pupr = console.signed_in("pupr")
    assert ticket not in pupr.get("/instansi").text  # resolved: nothing to do
    # The re-opening read before the verdict that caused it: both still land.
    console.seed(ComplaintReopened(complaint_id=cid, occurred_at=at(-1.9), agency="dinas-pupr",
                                   round=2, reason="masih berlubang"),
                 CitizenVerdict(complaint_id=cid, occurred_at=at(-2), agency="dinas-pupr",
                                round=1, solved=False, reason="masih berlubang", via="reply"))
    inbox = pupr.get("/instansi").text
    assert ticket in inbox and "warga: belum selesai" in inbox and "Dibuka kembali" in inbox
    case = pupr.get(f"/kasus/{cid}").text
    assert "Penilaian warga" in case and "masih berlubang" in case and "Putaran" in case
    assert "Kirim jawaban" in case  # a new round: the agency answers again
    assert ticket in console.signed_in("op1").get("/operator/sla").text
    public = console.client.get(f"/lapor/{ticket}").text
    assert "Anda menyatakan aduan belum selesai" in public and "dibuka kembali" in public
    console.seed(ComplaintResolved(complaint_id=cid, occurred_at=at(-1), agency="dinas-pupr"),
                 ComplaintClosed(complaint_id=cid, occurred_at=at(-0.5), agency="dinas-pupr",
                                 round=2, reason="confirmed"))
    assert ticket not in pupr.get("/instansi").text
    assert row_of(console, cid)["round"] == 2  # the late round-1 verdict did not lower it
    assert "Status: <strong>Ditutup</strong>" in console.client.get(f"/lapor/{ticket}").text


def test_a_withdrawn_case_leaves_queue_and_board_and_the_inbox_marks_it(
        console: Console) -> None:
    queued = new_id()
    queued_ticket = f"KTP-WQ-{queued[-6:].upper()}"
    console.seed(received(queued, queued_ticket, at(-2)), triaged(queued, queued_ticket, at(-2)))
    op = console.signed_in("op1")
    assert queued_ticket in op.get("/operator/antrian").text
    console.seed(withdrawn(queued, queued_ticket, -1))
    assert queued_ticket not in op.get("/operator/antrian").text

    held = new_id()
    held_ticket = f"KTP-WH-{held[-6:].upper()}"
    # The withdrawal is read first; the assignment (made before it) and a later decision of
    # the router, which had not yet heard of it, must not take the case back.
    console.seed(withdrawn(held, held_ticket, -1), received(held, held_ticket, at(-3)),
                 assigned(held, held_ticket, "dinas-pupr", at(-2.5)),
                 started(held, "dinas-pupr", at(-2.5)),
                 assigned(held, held_ticket, "dinas-pupr", at(-0.5)))
    row = row_of(console, held)
    assert row["status"] == "withdrawn" and row["withdrawn_reason"] == "revoke"
    assert row["status_at"] == at(-1)
    assert held_ticket not in op.get("/operator/sla").text
    inbox = console.signed_in("pupr").get("/instansi").text
    assert held_ticket in inbox and "dicabut pelapor (revoke)" in inbox
    public = console.client.get(f"/lapor/{held_ticket}").text
    assert "Dicabut pelapor" in public and "pesannya dihapus" in public


class RecordingReader:
    """Stands in for intake's contact endpoint and records what it was asked."""

    def __init__(self, contact: Contact) -> None:
        self.contact = contact
        self.asked: list[tuple[str, str, str]] = []

    async def __call__(self, ticket: str, reason: str, username: str) -> Contact:
        self.asked.append((ticket, reason, username))
        return self.contact


def test_center_staff_read_the_contact_with_a_reason_and_agencies_cannot(
        console: Console) -> None:
    cid = new_id()
    ticket = f"KTP-CT-{cid[-6:].upper()}"
    console.seed(received(cid, ticket, at(-1), confidential=True),
                 assigned(cid, ticket, "dinas-pupr", at(-1)))
    reader = RecordingReader(Contact("shown", name="Rina Wulandari", phone="+6281234567890",
                                     channel="whatsapp", confidential=True, access_id="ca-1"))
    saved = console.state.contact
    console.state.contact = reader
    try:
        op = console.signed_in("op1")
        page = op.get(f"/kasus/{cid}").text
        assert "Lihat kontak pelapor" in page and "Rina" not in page
        token = csrf_of(page)
        missing = op.post(f"/kasus/{cid}/kontak", data={"csrf": token, "reason": "  "})
        assert missing.status_code == 422 and "reason" in missing.text and not reader.asked
        shown = op.post(f"/kasus/{cid}/kontak", data={"csrf": token,
                                                      "reason": "konfirmasi lokasi lubang"})
        assert shown.status_code == 200 and "Rina Wulandari" in shown.text
        assert "+6281234567890" in shown.text and "tidak boleh diteruskan" in shown.text
        assert reader.asked == [(ticket, "konfirmasi lokasi lubang", "op1")]
        pupr = console.signed_in("pupr")
        agency_page = pupr.get(f"/kasus/{cid}").text
        assert "Lihat kontak pelapor" not in agency_page
        refused = pupr.post(f"/kasus/{cid}/kontak", data={"csrf": csrf_of(agency_page),
                                                         "reason": "ingin menelepon"})
        assert refused.status_code == 403 and len(reader.asked) == 1
    finally:
        console.state.contact = saved


def test_without_an_intake_operator_key_the_page_says_so(console: Console) -> None:
    cid = new_id()
    ticket = f"KTP-NK-{cid[-6:].upper()}"
    console.seed(received(cid, ticket, at(-1)))
    op = console.signed_in("spv")
    token = csrf_of(op.get(f"/kasus/{cid}").text)
    page = op.post(f"/kasus/{cid}/kontak", data={"csrf": token, "reason": "telepon balik"})
    assert page.status_code == 200 and "TANGGAP_CONSOLE_INTAKE_OPERATOR_KEY" in page.text
