"""`tanggap route`: the router's decisions offline on JSON Lines, shadow comparison, evaluation."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Annotated, Any

import orjson
import typer


def _open(source: Path | None) -> IO[str]:
    return sys.stdin if source is None or str(source) == "-" else source.open(encoding="utf-8")


def _write(record: Any) -> None:
    sys.stdout.write(orjson.dumps(record).decode() + "\n")


def route(
    source: Annotated[Path | None, typer.Argument(
        help="JSON Lines with id, channel, text (stdin when omitted or '-')")] = None,
    rules: Annotated[Path | None, typer.Option(
        "--rules", help="routing.yaml to decide with (default: the tenant's own)")] = None,
    shadow: Annotated[Path | None, typer.Option(
        "--shadow", help="a candidate routing.yaml: report which decisions it changes")] = None,
    evaluate: Annotated[bool, typer.Option(
        "--evaluate", help="records carry expected_agency/flags: print accuracy figures")] = False,
) -> None:
    """Route complaints offline through the router's own decision function."""
    from schemas.directory import load_directory
    from services.router import offline
    from services.router.rules import load_rules
    from services.runtime.settings import RuntimeSettings

    settings = RuntimeSettings()
    directory = load_directory(settings.tenant, settings.tenants_dir)
    current = load_rules(rules or settings.tenants_dir / settings.tenant / "routing.yaml",
                         directory)
    with _open(source) as lines:
        try:
            records = list(offline.read_records(lines))
        except offline.BadRecord as exc:
            typer.echo(f"route: {exc}", err=True)
            raise typer.Exit(2) from None
    if shadow is not None:
        report = offline.shadow(records, current, load_rules(shadow, directory))
        _write(report.summary())
        for change in report.changes or []:
            _write(change)
        return
    decisions = [offline.decision_record(r, current) for r in records]
    if not evaluate:
        for decision in decisions:
            _write(decision)
        return
    from services.router.evaluation import Labelled, Routed, score

    labels = [Labelled(r["id"], r["expected_agency"], frozenset(r.get("flags", ())),
                       r.get("kecamatan")) for r in records]
    routed = {d["id"]: Routed(d["id"], d["agency"], d["disposition"], frozenset(d["flags"]),
                              d["kecamatan"]) for d in decisions}
    report = score(labels, routed, directory.codes("external"))
    for line in report.lines(f"rules {current.version}"):
        typer.echo(line)
