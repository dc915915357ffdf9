"""Prometheus metrics of the SLA service: per-agency gauges of open cases and event counters.

Gauges follow the durable summaries (before and after each change), and are reloaded from
PostgreSQL after a rebalance, so they stay right across restarts; counters count what this
process emitted. The share answered within target is a PromQL ratio of `sla_met_total`.
"""

from __future__ import annotations

from collections import Counter as CountOf
from collections.abc import Iterable

from prometheus_client import Counter, Gauge, Histogram

from schemas.enums import SlaTarget
from schemas.envelope import Event
from schemas.sla import SlaBreached, SlaEscalated, SlaMet, SlaStarted, SlaWarning
from services.sla.store import Summary

OPEN = Gauge("sla_open_cases", "Cases an agency holds with an open clock", ["agency"])
AT_RISK = Gauge("sla_cases_at_risk", "Open cases warned and not yet breached", ["agency"])
OVERDUE = Gauge("sla_cases_overdue", "Open cases past a deadline", ["agency"])
STARTED = Counter("sla_clocks_started_total", "Clocks started", ["agency", "target"])
WARNINGS = Counter("sla_warnings_total", "Warnings before a deadline", ["agency", "target"])
BREACHES = Counter("sla_breaches_total", "Deadlines passed without an answer",
                   ["agency", "target"])
ESCALATIONS = Counter("sla_escalations_total", "Escalations after a breach",
                      ["agency", "target", "to"])
MET = Counter("sla_met_total", "Clocks met, within target or late",
              ["agency", "target", "outcome"])
FIRST_RESPONSE = Histogram(
    "sla_first_response_seconds", "Counted time from assignment to the agency's first answer",
    ["agency"], buckets=(1, 5, 15, 60, 300, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600,
                         12 * 3600, 24 * 3600, 36 * 3600, 48 * 3600, 72 * 3600, 7 * 86400))
LATENESS = Histogram(
    "sla_timer_lateness_seconds", "How long after its due instant a stage was emitted",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 30, 300))
HEAP_SIZE = Gauge("sla_timer_heap_entries", "Pending entries in the deadline heap")


def count_events(events: Iterable[Event]) -> None:
    """Move the counters for SLA events that were just made durable (one `inc` per series:
    a burst of 100,000 breaches moves each agency's counter once, not 100,000 times)."""
    counts: CountOf[tuple[Counter, tuple[str, ...]]] = CountOf()
    for e in events:
        if isinstance(e, SlaStarted):
            counts[STARTED, (e.agency, e.target)] += 1
        elif isinstance(e, SlaWarning):
            counts[WARNINGS, (e.agency, e.target)] += 1
        elif isinstance(e, SlaBreached):
            counts[BREACHES, (e.agency, e.target)] += 1
        elif isinstance(e, SlaEscalated):
            counts[ESCALATIONS, (e.agency, e.target, e.escalate_to)] += 1
        elif isinstance(e, SlaMet):
            counts[MET, (e.agency, e.target, "within" if e.within_target else "late")] += 1
            if e.target is SlaTarget.RESPONSE:
                FIRST_RESPONSE.labels(e.agency).observe(e.elapsed_seconds)
    for (counter, labels), n in counts.items():
        counter.labels(*labels).inc(n)


def observe_lateness(events: Iterable[Event], now: float) -> None:
    """Record how late timer-fired stages were (fire_at, or due_at for a breach)."""
    for e in events:
        if isinstance(e, SlaWarning | SlaEscalated):
            LATENESS.observe(max(0.0, now - e.fire_at.timestamp()))
        elif isinstance(e, SlaBreached):
            LATENESS.observe(max(0.0, now - e.due_at.timestamp()))


def move_gauges(before: Summary | None, after: Summary) -> None:
    """Shift the per-agency gauges from a case's old summary to its new one."""
    for summary, step in ((before, -1), (after, 1)):
        if summary is None or not summary.open or summary.holder is None:
            continue
        OPEN.labels(summary.holder).inc(step)
        if summary.at_risk:
            AT_RISK.labels(summary.holder).inc(step)
        if summary.overdue:
            OVERDUE.labels(summary.holder).inc(step)


def reset_gauges(counts: Iterable[tuple[str, int, int, int]]) -> None:
    """Set the gauges from the store's counts (after the owned partitions changed)."""
    for gauge in (OPEN, AT_RISK, OVERDUE):
        gauge.clear()
    for agency, open_, at_risk, overdue in counts:
        OPEN.labels(agency).set(open_)
        AT_RISK.labels(agency).set(at_risk)
        OVERDUE.labels(agency).set(overdue)
