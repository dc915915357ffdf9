"""A withdrawn case's clocks stop: the citizen deleted the message, nobody owes an answer now.

Kept apart from transitions.py (being reworked) as one more transition: `register()` adds it to
the table, and the keeper needs complaints.updated among its inputs (see the intake README).
"""

from __future__ import annotations

from schemas.envelope import Event
from schemas.intake import ComplaintWithdrawn
from services.sla.case_state import CaseState
from services.sla.policy import Policy
from services.sla.transitions import TRANSITIONS, stop_all


def on_withdrawn(case: CaseState, ev: ComplaintWithdrawn, at: float, policy: Policy,
                 now: float) -> list[Event]:
    """Stop the holder's clocks (their time so far stays theirs) and close the case."""
    out = stop_all(case, at, f"withdrawn by the citizen ({ev.reason})", policy, now)
    case.holder, case.waiting_since, case.closed = None, None, True
    return out


def register() -> None:
    """Make transitions.apply handle ComplaintWithdrawn (idempotent)."""
    TRANSITIONS[ComplaintWithdrawn] = on_withdrawn  # type: ignore[assignment]
