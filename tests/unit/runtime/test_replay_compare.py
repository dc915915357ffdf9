"""The replay engine compares outputs in the form the log holds them."""

from __future__ import annotations

import orjson

from schemas.codec import encode
from schemas.enums import ResponseKind
from schemas.envelope import Event
from schemas.notifications import NotificationFailed
from services.runtime.replay import as_logged
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
