"""Small builders of policies and input events for the SLA unit tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from schemas.enums import ResponseKind
from schemas.responses import AgencyResponded, ComplaintResolved
from schemas.routing import ComplaintAssigned, ComplaintRedirected
from services.sla.policy import Policy, parse_policy

T0 = 1_756_713_600.0  # Mon 2025-09-01 15:00 WIB (08:00 UTC)


def policy(closed: tuple[str, ...] = (), **defaults: Any) -> Policy:
    """Round the clock, response 100 s, resolution 1000 s, sekda 50 s after the deadline.

    `closed`: days the office calendar declares closed on top of the national holidays.
    """
    return parse_policy({
        "version": "unit-1", "timezone": "Asia/Pontianak",
        "calendars": {"always": {"kind": "round_the_clock"},
                      "office": {"hours": {"mon-thu": "07:30-16:00", "fri": "07:30-16:30"},
                                 "holidays": {"country": "ID"}, "closed": list(closed)}},
        "defaults": {"calendar": "always", "response": 100, "resolution": 1000,
                     "warnings": [0.5, 0.8],
                     "escalation": [{"to": "head_of_agency", "after": 0},
                                    {"to": "regional_secretary", "after": 50}]} | defaults,
        "overrides": [{"when": {"agency": "dpmptsp"}, "calendar": "office", "response": "2h"}],
    })


def when(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def assigned(cid: str, agency: str, t: float, **kw: Any) -> ComplaintAssigned:
    return ComplaintAssigned(complaint_id=cid, ticket="KTP-1", agency=agency,
                             rules_version="unit", occurred_at=when(t), **kw)


def responded(cid: str, agency: str, t: float, kind: ResponseKind) -> AgencyResponded:
    return AgencyResponded(complaint_id=cid, agency=agency, kind=kind, message="Baik, kami cek",
                           occurred_at=when(t))


def resolved(cid: str, agency: str, t: float) -> ComplaintResolved:
    return ComplaintResolved(complaint_id=cid, agency=agency, occurred_at=when(t))


def redirected(cid: str, src: str, dst: str | None, t: float) -> ComplaintRedirected:
    return ComplaintRedirected(complaint_id=cid, ticket="KTP-1", from_agency=src, to_agency=dst,
                               reason="bukan kewenangan kami", occurred_at=when(t))
