"""A withdrawn case's clocks stop and nothing fires for it afterwards ."""

from __future__ import annotations

from schemas.enums import Channel
from schemas.intake import ComplaintWithdrawn
from schemas.sla import SlaStopped
from services.sla.case_state import CaseState
from services.sla.stages import fire_due
from services.sla.transitions import apply
from tests.unit.sla.factories import T0, assigned, policy, when


def test_withdrawal_stops_the_clock_and_closes_the_case() -> None:
    case = CaseState("c1")
    apply(case, assigned("c1", "dinas-pupr", T0), policy(), T0)
    withdrawn = ComplaintWithdrawn(complaint_id="c1", ticket="KTP-1", channel=Channel.WHATSAPP,
                                   channel_message_id="wamid.A", reason="revoke",
                                   occurred_at=when(T0 + 10))
    [stopped] = apply(case, withdrawn, policy(), T0 + 10)
    assert isinstance(stopped, SlaStopped) and "withdrawn" in stopped.reason
    assert stopped.elapsed_seconds == 10
    assert case.closed and case.clocks == []
    assert fire_due(case, policy(), T0 + 10_000, T0 + 10_000) == []
    assert apply(case, withdrawn, policy(), T0 + 20) == []  # redelivered
