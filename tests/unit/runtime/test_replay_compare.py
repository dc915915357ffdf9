"""The replay engine: outputs compared in the form the log holds them; ignored inputs skipped."""

from __future__ import annotations

import orjson

from schemas.codec import encode
from schemas.enums import ResponseKind
from schemas.envelope import Event
from schemas.notifications import NotificationFailed
from schemas.routing import ComplaintAssigned
from schemas.sla import SlaWarning
from schemas.topics import ASSIGNED, SLA
from services.runtime.replay import _same, as_logged
from services.runtime.replay_log import Ignored, peek
from services.sla.case_state import CaseState
from services.sla.stages import fire_due
from services.sla.transitions import apply
from tests.unit.sla.factories import T0, assigned, policy, responded


def _sla_events() -> list[Event]:
    rules, case = policy(), CaseState("c-1")
    out = apply(case, assigned("c-1", "dlh", T0), rules, T0)
    out += fire_due(case, rules, T0 + 500.25, T0 + 500.25)  # warnings, breach, escalations
    out += apply(case, responded("c-1", "dlh", T0 + 600.5, ResponseKind.FIRST_RESPONSE),
                 rules, T0 + 601)
    return out


def test_an_output_compares_as_the_json_its_encoding_reads_back_as() -> None:
    events = [*_sla_events(), assigned("c-2", "dlh", T0, category="jalan"),
              NotificationFailed(complaint_id="c-1", source_event_id="s", channel="webhook",
                                 recipient="desk:dlh", attempts=3, reason="ditolak: 500 ✗",
                                 delivery_id="d")]
    assert {e.type for e in events} >= {"SlaStarted", "SlaWarning", "SlaBreached",
                                        "SlaEscalated", "SlaMet"}
    for event in events:
        assert as_logged(event) == orjson.loads(encode(event)), event.type


def test_the_id_and_type_of_an_encoded_event_are_read_off_its_front() -> None:
    event = assigned("c-2", "dlh", T0)
    assert peek(encode(event)) == (str(event.event_id), "ComplaintAssigned")
    for other in (None, b"not json", b'{"type":"ComplaintAssigned","event_id":"x"}',
                  orjson.dumps(orjson.loads(encode(event)), option=orjson.OPT_INDENT_2)):
        assert peek(other) is None  # anything else is decoded in full


def test_only_carried_types_the_handler_ignores_are_passed_over() -> None:
    ignored = Ignored([SLA, ASSIGNED], frozenset({SlaWarning, ComplaintAssigned}))
    sla = _sla_events()
    started = next(e for e in sla if e.type == "SlaStarted")
    warned = next(e for e in sla if e.type == "SlaWarning")
    assert ignored.passes_over(SLA.name, encode(started))
    assert not ignored.passes_over(SLA.name, encode(warned))
    assert not ignored.passes_over(ASSIGNED.name, encode(assigned("c-2", "dlh", T0)))
    # A type the topic does not carry is left to the decoder, which refuses it.
    assert not ignored.passes_over(ASSIGNED.name, encode(started))
    assert ignored.ids == [str(started.event_id)]
    assert not Ignored([SLA], None).passes_over(SLA.name, encode(started))


def test_outputs_are_the_same_when_all_but_the_uncompared_fields_are_equal() -> None:
    logged = {"event_id": "e", "occurred_at": "then", "agency": "dlh"}
    skip = frozenset({"occurred_at", "rules_version"})
    assert _same(logged, {**logged, "occurred_at": "now", "rules_version": "r2"}, skip)
    assert not _same(logged, {**logged, "agency": "dinkes"}, skip)
    assert not _same(logged, {**logged, "extra": None}, skip)
    assert not _same({**logged, "extra": None}, logged, skip)
