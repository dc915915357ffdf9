"""`tanggap report`: the evaluation report of every agency, recomputed from the event log."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from services.sla.evaluation import Period
from services.sla.report import Format

DAY = ["%Y-%m-%d"]


def report(
    period: Annotated[Period, typer.Option(help="week or month")] = "week",
    format: Annotated[Format, typer.Option("--format", help="csv or json")] = "csv",  # noqa: A002
    since: Annotated[datetime | None, typer.Option(formats=DAY, help="first day")] = None,
    until: Annotated[datetime | None, typer.Option(formats=DAY, help="last day")] = None,
    output: Annotated[Path | None, typer.Option(help="write here, not to stdout")] = None,
) -> None:
    """Evaluation report (bahan evaluasi): answers within target, times, breaches, ranking."""
    from services.runtime.logs import configure_logging
    from services.sla.policy import load_policy
    from services.sla.report import build_report, to_csv
    from services.sla.settings import SlaSettings

    settings = SlaSettings()
    configure_logging("WARNING", settings.log_json)
    policy = load_policy(settings.policy_path())
    document = asyncio.run(build_report(settings, policy, period, since and since.date(),
                                        until and until.date()))
    text = to_csv(document) if format == "csv" else json.dumps(document, indent=2,
                                                               ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"report: {len(document['agencies'])} rows written to {output}", err=True)
