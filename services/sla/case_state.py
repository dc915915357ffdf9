"""The durable state of one case's clocks, and its compact JSON form for PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from schemas.enums import SlaTarget

SEEN_KEPT = 32  # input events remembered per case; redelivery comes from the last commit


@dataclass(slots=True)
class Clock:
    """One agency's clock for one target; instants are epoch seconds, durations counted ones."""

    clock_id: str
    agency: str
    target: SlaTarget
    calendar: str
    target_s: float
    warnings: tuple[float, ...]
    escalation: tuple[tuple[str, float], ...]  # (role, counted seconds after the deadline)
    started_at: float
    consumed: float = 0.0  # counted seconds before the running segment
    running_since: float | None = None  # None while paused
    fired: int = 0  # stages fired so far, in schedule order

    def to_json(self) -> dict[str, Any]:
        return {"id": self.clock_id, "a": self.agency, "t": str(self.target), "c": self.calendar,
                "T": self.target_s, "w": list(self.warnings),
                "e": [list(e) for e in self.escalation], "s": self.started_at,
                "u": self.consumed, "r": self.running_since, "f": self.fired}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Clock:
        return cls(d["id"], d["a"], SlaTarget(d["t"]), d["c"], d["T"], tuple(d["w"]),
                   tuple((role, after) for role, after in d["e"]), d["s"], d["u"], d["r"],
                   d["f"])


@dataclass(slots=True)
class CaseState:
    """Who holds the case, its overall clock, and the holder's open clocks."""

    complaint_id: str
    tenant: str = "ketapang"
    correlation_id: str | None = None
    category: str | None = None
    priority: str = "normal"
    opened_at: float | None = None  # first assignment: the case's overall clock runs from here
    first_response_at: float | None = None  # by any agency
    holder: str | None = None
    holds: dict[str, int] = field(default_factory=dict)  # times each agency held the case
    waiting_since: float | None = None  # waiting for the citizen
    closed: bool = False
    seen: list[str] = field(default_factory=list)
    clocks: list[Clock] = field(default_factory=list)

    def clock(self, target: SlaTarget) -> Clock | None:
        """The holder's open clock for a target, if any."""
        return next((c for c in self.clocks if c.target is target), None)

    def remember(self, event_key: str) -> bool:
        """Record an input event; False if it was already applied (a redelivery)."""
        if event_key in self.seen:
            return False
        self.seen.append(event_key)
        del self.seen[:-SEEN_KEPT]
        return True

    def to_json(self) -> bytes:
        return orjson.dumps({
            "cid": self.complaint_id, "tn": self.tenant, "co": self.correlation_id,
            "cat": self.category, "p": self.priority, "o": self.opened_at,
            "fr": self.first_response_at, "h": self.holder, "hs": self.holds,
            "ws": self.waiting_since, "x": self.closed, "seen": self.seen,
            "k": [c.to_json() for c in self.clocks]})

    @classmethod
    def from_json(cls, raw: bytes | str) -> CaseState:
        d = orjson.loads(raw)
        return cls(d["cid"], d["tn"], d["co"], d["cat"], d["p"], d["o"], d["fr"], d["h"],
                   d["hs"], d["ws"], d["x"], d["seen"], [Clock.from_json(c) for c in d["k"]])


def clock_id(complaint_id: str, agency: str, target: SlaTarget, hold: int = 1) -> str:
    """One clock per complaint, agency, target and hold (an agency may get a case back)."""
    base = f"{complaint_id}:{agency}:{target}"
    return base if hold == 1 else f"{base}:{hold}"
