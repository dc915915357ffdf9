"""The citizen's verdict: reading "1"/"2" replies, and what each answer emits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from schemas.enums import NotificationChannel
from schemas.notifications import NotificationRequested
from schemas.responses import ComplaintResolved
from schemas.verdicts import CitizenVerdict, ComplaintClosed, ComplaintReopened
from services.intake.status.notices import Contact
from services.intake.status.verdicts import (
    OpenQuestion,
    Verdict,
    ask,
    decide,
    expire,
    parse_reply,
    verdict_code,
)

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
QUESTION = OpenQuestion("c-9", "KTP-2026-000009", "dinas-perkim", 1, NOW + timedelta(days=7))


@pytest.mark.parametrize(("text", "expected"), [
    ("1", Verdict(True)),
    (" 1 5 ", Verdict(True, 5)),
    ("1 nilai 4", Verdict(True, 4)),
    ("2", Verdict(False)),
    ("2 lampunya masih mati", Verdict(False, None, "lampunya masih mati")),
    ("2, nilai 1. belum diperbaiki", Verdict(False, 1, "belum diperbaiki")),
    ("Belum", Verdict(False)),
    ("sudah selesai!", Verdict(True)),
])
def test_short_replies_are_verdicts(text: str, expected: Verdict) -> None:
    assert parse_reply(text) == expected


@pytest.mark.parametrize("text", [
    "Sudah 3 hari lampu jalan mati",  # a new complaint that starts with "sudah"
    "1 minggu jalan tergenang", "12", "2024 jalan rusak", "terima kasih", "x" * 400])
def test_complaints_are_not_verdicts(text: str) -> None:
    assert parse_reply(text) is None


def test_solved_closes_the_case_and_ids_are_the_same_when_answered_again() -> None:
    first = decide(QUESTION, Verdict(True, 5), "reply", NOW, "diskominfo", "ketapang")
    again = decide(QUESTION, Verdict(True, 5), "reply", NOW + timedelta(seconds=3),
                   "diskominfo", "ketapang")
    assert [e.event_id for _, e in first] == [e.event_id for _, e in again]
    (_, given), (_, closed) = first
    assert isinstance(given, CitizenVerdict) and given.solved and given.rating == 5
    assert isinstance(closed, ComplaintClosed) and closed.reason == "confirmed"
    assert closed.causation_id == given.event_id


def test_not_solved_reopens_with_the_same_agency_and_tells_it_why() -> None:
    out = decide(QUESTION, Verdict(False, None, "masih mati"), "reply", NOW, "diskominfo",
                 "ketapang")
    [given, reopened, told] = [e for _, e in out]
    assert isinstance(reopened, ComplaintReopened)
    assert (reopened.agency, reopened.round, reopened.reason) == ("dinas-perkim", 2,
                                                                  "masih mati")
    assert isinstance(told, NotificationRequested) and told.recipient == "dinas-perkim"
    assert told.template == "agency_reopened" and told.context["reason"] == "masih mati"


def test_silence_closes_with_no_reply_once() -> None:
    [(_, closed)] = expire(QUESTION, NOW, "ketapang")
    [(_, again)] = expire(QUESTION, NOW + timedelta(hours=1), "ketapang")
    assert closed.reason == "no_reply" and closed.event_id == again.event_id


def test_question_goes_where_the_citizen_is_and_hides_the_code_in_public() -> None:
    resolved_event = ComplaintResolved(complaint_id="c-9", agency="dinas-perkim")
    code = verdict_code(b"k", "c-9", 1)
    whatsapp = Contact(NotificationChannel.WHATSAPP, "+6281200000011", {"reply_to": "wamid.1"})
    [(_, notice)] = ask(resolved_event, "KTP-2026-000009", 1, whatsapp, code, timedelta(days=7))
    assert notice.template == "citizen_verdict" and notice.context["code"] == code
    assert notice.context["public"] is False and notice.context["days"] == 7
    instagram = Contact(NotificationChannel.INSTAGRAM, "1810", {})
    [(_, public)] = ask(resolved_event, "KTP-2026-000009", 1, instagram, code,
                        timedelta(days=7))
    assert public.context["public"] is True
    assert ask(resolved_event, "KTP-1", 1, Contact(), code, timedelta(days=7)) == []
    assert verdict_code(b"k", "c-9", 2) != code
