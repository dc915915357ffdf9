"""The console's pure deciders: countdown, role rules, rate limits, actions, words, forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from schemas.enums import Channel, ResponseKind
from schemas.intake import ComplaintReceived
from schemas.responses import AgencyResponded
from schemas.routing import ComplaintRedirected
from schemas.sla import SlaMet
from services.console import commands
from services.console.access import Can, Role, User, check_new_user, may, may_answer, may_see_case
from services.console.countdown import AMBER, GREEN, GREY, RED, badge, hours_minutes
from services.console.demo import channel_of, submission
from services.console.projection import change_for
from services.console.ratelimit import Buckets
from services.console.web.taken_routes import submission as taken_submission
from services.console.wording import Formats, without_numbers

NOW = datetime(2026, 11, 20, 7, 5, tzinfo=UTC)
OPERATOR = User("op", "Op", Role.OPERATOR)
SUPERVISOR = User("spv", "Spv", Role.SUPERVISOR)
PUPR = User("pupr", "PUPR", Role.AGENCY, "dinas-pupr")


@pytest.mark.parametrize(("left", "label", "colour"), [
    (timedelta(hours=29, minutes=55, seconds=59), "sisa 29 j 55 m", GREEN),
    (timedelta(hours=12), "sisa 12 j 0 m", GREEN),
    (timedelta(hours=11, minutes=59), "sisa 11 j 59 m", AMBER),
    (timedelta(minutes=7), "sisa 7 m", AMBER),
    (timedelta(seconds=30), "sisa < 1 m", AMBER),
    (timedelta(hours=-3, minutes=-10), "terlambat 3 j 10 m", RED),
])
def test_countdown_counts_hours_and_minutes_without_rounding(left: timedelta, label: str,
                                                             colour: str) -> None:
    shown = badge(NOW + left, "running", NOW)
    assert (shown.label, shown.colour) == (label, colour)


def test_countdown_states_other_than_running() -> None:
    assert badge(NOW, "met", NOW).label == "ditanggapi"
    assert badge(None, None, NOW).colour == GREY
    assert badge(NOW + timedelta(hours=2), "paused", NOW).label == "dijeda, sisa 2 j 0 m"
    assert hours_minutes(59) == "0 m"


def test_roles() -> None:
    assert may(OPERATOR, Can.TRIAGE) and not may(OPERATOR, Can.AUDIT)
    assert may(SUPERVISOR, Can.AUDIT) and may(SUPERVISOR, Can.RELEASE_ANY_CLAIM)
    assert not may(PUPR, Can.TRIAGE) and not may(PUPR, Can.CONTACT_DATA)
    assert may_see_case(OPERATOR, "dlh") and may_see_case(PUPR, "dinas-pupr")
    assert not may_see_case(PUPR, "dlh") and not may_see_case(PUPR, None)
    assert may_answer(PUPR, "dinas-pupr", "assigned") is None
    assert may_answer(PUPR, "dinas-pupr", "resolved") is not None
    assert may_answer(OPERATOR, "dinas-pupr", "assigned") is not None
    assert check_new_user(Role.AGENCY, None, {"dlh"}) is not None
    assert check_new_user(Role.AGENCY, "dlh", {"dlh"}) is None
    assert check_new_user(Role.OPERATOR, "dlh", {"dlh"}) is not None


def test_buckets_refuse_after_the_burst_and_refill() -> None:
    limits = Buckets(rate=1.0, burst=2)
    assert [limits.take("a", 0.0) for _ in range(3)] == [0.0, 0.0, 1.0]
    assert limits.take("b", 0.0) == 0.0
    assert limits.take("a", 1.0) == 0.0
    limits.reset("a")
    assert limits.take("a", 1.0) == 0.0


def test_actions_need_reasons_and_are_idempotent_by_form_token() -> None:
    _, first = commands.assign("ketapang", "c1", "dlh", "op", "sampah", "t", {"dlh"})
    _, again = commands.assign("ketapang", "c1", "dlh", "op", "sampah", "t", {"dlh"})
    assert first.event_id == again.event_id and first.note == "sampah"
    with pytest.raises(commands.Refused, match="alasan"):
        commands.assign("ketapang", "c1", "dlh", "op", "  ", "t", {"dlh"})
    with pytest.raises(commands.Refused):
        commands.answer("ketapang", "c1", "dlh", "u", ResponseKind.NOT_OURS, "", "t", NOW)
    out = commands.answer("ketapang", "c1", "dlh", "u", ResponseKind.RESOLVED, "beres", "t", NOW)
    assert [e.type for _, e in out] == ["AgencyResponded", "ComplaintResolved"]
    with pytest.raises(commands.Refused):
        commands.link("ketapang", "c1", "T1", "c1", "T1", None, "t")


def test_projection_of_a_redirect_back_to_triage_keeps_the_reason_and_chain() -> None:
    change = change_for(ComplaintRedirected(complaint_id="c1", ticket="T", from_agency="dlh",
                                            reason="bukan sampah", agency_chain=("dlh",)))
    assert change is not None and change.status == "redirected" and change.agency is None
    assert change.facts["last_redirect_reason"] == "bukan sampah"
    assert "bukan wewenang kami" in change.line.summary
    private = change_for(AgencyResponded(complaint_id="c1", agency="dlh",
                                         kind=ResponseKind.PROGRESS, message="m", public=False))
    assert private is not None and private.line.public_kind is None
    met = change_for(SlaMet(complaint_id="c1", clock_id="k", agency="dlh", due_at=NOW,
                            met_at=NOW + timedelta(hours=1), elapsed_seconds=1))
    assert met is not None and met.clock.within_target is False
    received = change_for(ComplaintReceived(complaint_id="c1", ticket="T", channel=Channel.X,
                                            channel_message_id="m", text="t"))
    assert received is not None and received.status == "received"


def test_indonesian_formats() -> None:
    formats = Formats("Asia/Pontianak")
    assert formats.when(NOW) == "20 Nov 2026, 14.05 WIB"
    assert formats.number(1234567.5) == "1.234.567,5"
    assert Formats("Asia/Makassar").when(NOW).endswith("15.05 WITA")


def test_taken_form_becomes_a_call_center_submission_with_the_form_token_as_message_id() -> None:
    body, problem = taken_submission({"mode": "telepon", "text": "Lampu mati", "token": "abc",
                                      "name": "Siti", "phone": "0812"}, "op1")
    assert problem is None and body is not None
    assert body["channel"] == "call_center" and body["channel_message_id"] == "console-abc"
    assert body["reporter"] == {"name": "Siti", "phone": "0812"}
    assert body["received_by"] == "console:telepon:op1"
    anonymous, _ = taken_submission({"mode": "surat", "text": "x", "token": "t", "name": "Siti",
                                     "anonymous": "on"}, "op1")
    assert anonymous is not None and anonymous["reporter"] == {} and anonymous["anonymous"]
    assert taken_submission({"mode": "fax", "text": "x", "token": "t"}, "op1")[1]


def test_demo_maps_the_corpus_channels() -> None:
    assert channel_of("call_center_112") is Channel.CALL_CENTER
    assert channel_of("media_monitoring") is Channel.MEDIA
    body = submission({"id": "c1", "channel": "x", "text": "t", "kecamatan": "kec-sandai"}, "r")
    assert body["channel_message_id"] == "demo-r-c1" and body["channel"] == "x"


def test_public_messages_hide_phone_like_numbers() -> None:
    assert without_numbers("Hubungi 0812-3456-7890 atau +62 812 345") == (
        "Hubungi [nomor] atau [nomor]")
    assert without_numbers("Selesai dalam 2 hari, RT 05") == "Selesai dalam 2 hari, RT 05"
