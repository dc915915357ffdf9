"""`tanggap whatif`: a period of recorded complaints under a candidate rule set or SLA policy.

The complaints come from the log (complaints.received since --since) or from a JSON Lines
corpus; nothing is published. Prints a table per agency and writes CSV on request.
"""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from schemas.codec import DecodeError, decode
from schemas.envelope import Event
from schemas.intake import ComplaintReceived
from schemas.topics import ASSIGNED, RECEIVED, REDIRECTED, RESPONSES, TopicSpec
from services.runtime.kafka_security import kafka_client_options
from services.runtime.settings import RuntimeSettings

CORPUS_SPACING = timedelta(minutes=10)  # corpus lines have no time: one every 10 minutes
COLUMNS = ("agency", "cases_before", "cases_after", "routed_elsewhere",
           "received_from_elsewhere", "to_triage", "from_triage", "breaches_before",
           "breaches_after", "breaches_added", "breaches_removed",
           "median_hours_to_deadline_before", "median_hours_to_deadline_after",
           "median_hours_change", "examples")


async def read_since(settings: RuntimeSettings, specs: tuple[TopicSpec, ...], since: datetime
                     ) -> list[Event]:
    """Events of the catalogue topics written since `since` (by record timestamp)."""
    from aiokafka import AIOKafkaConsumer

    from services.audit.logreader import partitions_of, scan

    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                                **kafka_client_options(settings),
                                group_id=None, enable_auto_commit=False,
                                isolation_level="read_committed")
    await consumer.start()
    try:
        tps = [tp for spec in specs for tp in await partitions_of(settings,
                                                                  settings.topic(spec.name))]
        ends = await consumer.end_offsets(tps)
        found = await consumer.offsets_for_times({tp: int(since.timestamp() * 1000)
                                                  for tp in tps})
        ranges = {tp: (found[tp].offset if found.get(tp) else ends[tp], ends[tp]) for tp in tps}
        events: list[Event] = []
        async for record in scan(consumer, ranges, within=600):
            try:
                events.append(decode(record.value))
            except DecodeError:
                continue  # dead-lettered by its consumer; not part of what happened
        return events
    finally:
        await consumer.stop()


def _day(text: str) -> datetime:
    return datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC)


def _rules_file(path: Path) -> Path:
    return path / "routing.yaml" if path.is_dir() else path


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row[k] for k in COLUMNS})
    return out.getvalue()


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


def table(report: Any, rows: list[dict[str, Any]], routing: bool, sla: bool) -> list[str]:
    lines = [f"what-if over {report.complaints} complaints"
             + (f", {report.clocks} response clocks" if sla else "")]
    if routing:
        lines.append(f"triage rate {report.triage_rate(False):.1%} -> "
                     f"{report.triage_rate(True):.1%}; {len(report.changed)} decisions change")
    legend = []
    if routing:
        legend.append("before/after: cases held; moved: routed elsewhere; gained: from "
                      "elsewhere; >tri/tri>: to / from triage")
    if sla:
        legend.append("breach -> : breaches before -> after; + added, - removed; median hours "
                      "from clock start to deadline")
    lines += legend
    head = f"{'agency':26}"
    if routing:
        head += f" {'before':>6} {'after':>6} {'moved':>6} {'gained':>6} {'>tri':>5} {'tri>':>5}"
    if sla:
        head += f" {'breach':>6} {'->':>5} {'+':>4} {'-':>4} {'median h to deadline':>22}"
    lines.append(head)
    for r in rows:
        line = f"{r['agency']:26}"
        if routing:
            line += (f" {r['cases_before']:>6} {r['cases_after']:>6} {r['routed_elsewhere']:>6}"
                     f" {r['received_from_elsewhere']:>6} {r['to_triage']:>5}"
                     f" {r['from_triage']:>5}")
        if sla:
            change = r["median_hours_change"]
            median = (f"{_cell(r['median_hours_to_deadline_before'])} -> "
                      f"{_cell(r['median_hours_to_deadline_after'])}"
                      + (f" ({change:+})" if change else ""))
            line += (f" {_cell(r['breaches_before']):>6} {_cell(r['breaches_after']):>5}"
                     f" {_cell(r['breaches_added']):>4} {_cell(r['breaches_removed']):>4}"
                     f" {median:>22}")
        lines.append(line)
    examples = [e for r in rows for e in (r["examples"].split("; ") if r["examples"] else [])]
    if examples:
        lines.append("routed elsewhere, for example:")
        lines += [f"  {e}" for e in examples]
    return lines


def whatif(
    since: Annotated[str, typer.Option(help="first day of the period (YYYY-MM-DD, UTC)")],
    rules: Annotated[Path | None, typer.Option(
        help="candidate rule set: a folder with routing.yaml, or the file")] = None,
    sla_policy: Annotated[Path | None, typer.Option(help="candidate sla.yaml")] = None,
    until: Annotated[str | None, typer.Option(
        help="judge SLA clocks as of this day (default: now)")] = None,
    corpus: Annotated[Path | None, typer.Option(
        help="JSON Lines (id, channel, text) standing for the period's complaints, "
             "e.g. tests/data/complaints-dev.jsonl")] = None,
    baseline_rules: Annotated[Path | None, typer.Option(
        help="compare against these rules (default: the tenant's)")] = None,
    baseline_policy: Annotated[Path | None, typer.Option(
        help="compare against this policy (default: the tenant's)")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="also write the rows as CSV "
                                                 "('-' for stdout instead of the table)")] = None,
) -> None:
    """Compare a candidate routing rule set or SLA policy on recorded complaints; publishes
    nothing."""
    from services.audit import whatif as w
    from services.router.rules import load_rules
    from services.sla.policy import load_policy

    if rules is None and sla_policy is None:
        typer.echo("whatif: give --rules and/or --sla-policy", err=True)
        raise typer.Exit(2)
    settings = RuntimeSettings()
    tenant = settings.tenants_dir / settings.tenant
    start = _day(since)
    now = _day(until) if until else datetime.now(UTC)
    if corpus is not None:
        lines = [orjson.loads(x) for x in corpus.read_text(encoding="utf-8").splitlines()
                 if x.strip()]
        recorded = [w.Recorded.from_corpus(line, start + i * CORPUS_SPACING)
                    for i, line in enumerate(lines)]
    else:
        received = asyncio.run(read_since(settings, (RECEIVED,), start))
        recorded = [w.Recorded.of(e) for e in received if isinstance(e, ComplaintReceived)
                    and e.occurred_at >= start]
    directory = settings.directory()
    current = load_rules(_rules_file(baseline_rules or tenant), directory)
    report = w.WhatIf()
    decided = w.compare_routing(report, recorded, current,
                                load_rules(_rules_file(rules), directory) if rules else current)
    if sla_policy is not None:
        if corpus is not None:  # no recorded assignments: the current rules' decisions
            inputs = w.assignments(recorded, decided, current.version)
        else:
            inputs = [e for e in asyncio.run(read_since(settings, (ASSIGNED, RESPONSES,
                                                                   REDIRECTED), start))
                      if e.occurred_at >= start]
        w.compare_sla(report, inputs, load_policy(baseline_policy or tenant / "sla.yaml"),
                      load_policy(sla_policy), now)
    rows = [{**{k: getattr(r, k) for k in COLUMNS if k != "examples"},
             "examples": "; ".join(r.examples)} for r in sorted(report.rows.values(),
                                                                 key=lambda r: r.agency)]
    if rules is None:
        rows = [r for r in rows if r["breaches_before"] or r["breaches_after"]
                or r["median_hours_to_deadline_before"] is not None]
    if csv_out is not None and str(csv_out) == "-":
        typer.echo(to_csv(rows), nl=False)
        return
    for line in table(report, rows, rules is not None, sla_policy is not None):
        typer.echo(line)
    if report.changed and rules is not None:
        typer.echo("changed decisions:")
        for change in report.changed:
            typer.echo(f"  {change['case']}: {change['before']} ({change['before_disposition']})"
                       f" -> {change['after']} ({change['after_disposition']})")
    if csv_out is not None:
        csv_out.write_text(to_csv(rows), encoding="utf-8")
        typer.echo(f"wrote {csv_out}")
