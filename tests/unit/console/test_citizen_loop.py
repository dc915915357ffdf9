"""The console's view of the citizen's loop (verdict, re-opening, closing) and of a case's
content changing after it opened (edit, look-up, withdrawal): pure, event in, change out."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.enums import Channel
from schemas.intake import ComplaintEdited, ComplaintEnriched, ComplaintWithdrawn
from schemas.verdicts import CitizenVerdict, ComplaintClosed, ComplaintReopened
from services.console.access import Role, User, may_answer
from services.console.contact_reader import contact_from
from services.console.projection import HELD, OPEN, Verdict, change_for
from services.console.store import _set
from services.console.wording import PUBLIC_LINE, status_label, verdict_label

NOW = datetime(2026, 11, 20, 7, 5, tzinfo=UTC)
PUPR = User("pupr", "PUPR", Role.AGENCY, "dinas-pupr")


def test_not_solved_verdict_is_shown_as_belum_selesai_on_a_public_line() -> None:
    change = change_for(CitizenVerdict(complaint_id="c1", agency="dinas-pupr", round=1,
                                       solved=False, reason="masih berlubang", via="reply"))
    assert change is not None and change.status is None  # the re-opening moves the case
    assert change.verdict == Verdict(False, 1, "masih berlubang")
    assert change.line is not None and change.line.summary.startswith("warga: belum selesai")
    assert change.line.public_kind == "verdict_not_solved"
    assert verdict_label(True) == "warga: sudah selesai" and verdict_label(None) is None


def test_reopened_case_goes_back_to_the_agency_for_a_new_round_it_may_answer() -> None:
    change = change_for(ComplaintReopened(complaint_id="c1", agency="dinas-pupr", round=2))
    assert change is not None
    assert (change.status, change.agency, change.facts) == ("reopened", "dinas-pupr",
                                                            {"round": 2})
    assert "reopened" in HELD and "reopened" in OPEN
    assert may_answer(PUPR, "dinas-pupr", "reopened") is None
    assert status_label("reopened").startswith("Dibuka kembali")


def test_closed_case_records_why_and_takes_no_answer() -> None:
    change = change_for(ComplaintClosed(complaint_id="c1", agency="dinas-pupr", round=1,
                                        reason="no_reply"))
    assert change is not None and change.status == "closed"
    assert change.facts == {"round": 1, "closed_reason": "no_reply"}
    assert may_answer(PUPR, "dinas-pupr", "closed") is not None


def test_edit_and_look_up_change_the_text_and_keep_the_ticket() -> None:
    edit = change_for(ComplaintEdited(complaint_id="c1", ticket="T-1", channel=Channel.X,
                                      channel_message_id="m", edit_id="e2", text="baru"))
    look_up = change_for(ComplaintEnriched(complaint_id="c1", ticket="T-1",
                                           channel=Channel.INSTAGRAM, channel_message_id="m",
                                           lookup="instagram_mention", text="isi"))
    assert edit is not None and look_up is not None
    assert (edit.text, edit.status, edit.facts["ticket"]) == ("baru", None, "T-1")
    assert "text" not in edit.facts  # the text goes through its own newest-wins rule
    assert edit.line is not None and edit.line.public_kind == "edited"
    assert look_up.text == "isi" and look_up.line is not None
    assert look_up.line.public_kind is None  # nothing for the citizen to read


def test_withdrawal_is_a_status_without_a_holder_and_keeps_the_channels_reason() -> None:
    change = change_for(ComplaintWithdrawn(complaint_id="c1", ticket="T-1",
                                           channel=Channel.WHATSAPP, channel_message_id="m",
                                           reason="revoke"))
    assert change is not None
    assert (change.status, change.agency) == ("withdrawn", None)
    assert change.facts["withdrawn_reason"] == "revoke"
    assert "withdrawn" not in HELD  # off the SLA board; the inbox shows it apart
    assert status_label("withdrawn") == "Dicabut pelapor" and "withdrawn" in PUBLIC_LINE


def test_received_text_yields_to_an_edit_and_the_first_text_is_kept() -> None:
    assert "text_at IS NULL" in _set("text")
    assert _set("first_text") == "first_text = COALESCE(cases.first_text, EXCLUDED.first_text)"
    assert _set("round") == "round = GREATEST(cases.round, EXCLUDED.round)"


def test_intake_answers_become_what_the_case_page_shows() -> None:
    shown = contact_from(200, {"outcome": "shown", "name": "Rina", "phone": "+6281",
                               "channel": "whatsapp", "confidential": True,
                               "access_id": "ca-1"})
    assert (shown.outcome, shown.name, shown.confidential) == ("shown", "Rina", True)
    assert contact_from(410, {"detail": "erased: x"}).outcome == "erased"
    assert contact_from(403, {"detail": "no"}).outcome == "refused"
    assert contact_from(502, {}).outcome == "unavailable"


def test_stored_media_keeps_the_text_and_says_what_was_added() -> None:
    stored = change_for(ComplaintEnriched(complaint_id="c1", ticket="T-1",
                                          channel=Channel.WHATSAPP, channel_message_id="m",
                                          lookup="whatsapp_media", text="jalan berlubang"))
    assert stored is not None and stored.text == "jalan berlubang"
    assert stored.line is not None and stored.line.summary == "lampiran tersimpan"
