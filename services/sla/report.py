"""Builds the evaluation report from the event log, as JSON or CSV, for the CLI and the web."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from schemas.envelope import Event
from schemas.topics import ASSIGNED, REDIRECTED, RESPONSES
from services.sla.evaluation import Period, aggregate, case_summary, simulate
from services.sla.event_log import read_log
from services.sla.policy import Policy
from services.sla.settings import SlaSettings

INPUT_TOPICS = (ASSIGNED, RESPONSES, REDIRECTED)
Format = Literal["json", "csv"]
COLUMNS = ("period", "rank", "agency", "assigned", "handed_over", "pending", "answered",
           "answered_within_target", "share_within_target", "median_hours_to_first_response",
           "p90_hours_to_first_response", "median_seconds_to_first_response",
           "p90_seconds_to_first_response", "breaches", "escalations", "resolution_breaches",
           "redirections_received", "redirections_sent", "resolutions_judged",
           "confirmed_by_citizen", "share_confirmed", "reopened", "share_reopened",
           "median_rating", "cases_reopened_more_than_once")


def evaluation_report(inputs: list[Event], policy: Policy, now: datetime, period: Period,
                      since: date | None = None, until: date | None = None) -> dict[str, Any]:
    """The report document (pure): agencies per period, ranked, and the cases' overall clocks."""
    zone = ZoneInfo(policy.timezone)
    sim = simulate(inputs, policy, now.timestamp())
    rows = aggregate(sim, inputs, zone, period, since, until)
    return {
        "title": "Bahan evaluasi: respons perangkat daerah",
        "generated_at": now.astimezone(UTC).isoformat(),
        "policy_version": policy.version, "timezone": policy.timezone, "period": period,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "source": {"topics": [t.name for t in INPUT_TOPICS], "events": len(inputs)},
        "agencies": [r.row() for r in rows],
        "cases": case_summary(sim, zone, period),
    }


def to_csv(report: dict[str, Any]) -> str:
    """The agency rows as CSV, one line per agency and period, ranked."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in report["agencies"]:
        writer.writerow({k: "" if row[k] is None else row[k] for k in COLUMNS})
    return out.getvalue()


async def build_report(settings: SlaSettings, policy: Policy, period: Period,
                       since: date | None = None, until: date | None = None
                       ) -> dict[str, Any]:
    """Replay the input topics and compute the report (off the event loop: it is CPU work)."""
    inputs = await read_log(settings, INPUT_TOPICS)
    now = datetime.now(UTC)
    return await asyncio.to_thread(evaluation_report, inputs, policy, now, period, since, until)
