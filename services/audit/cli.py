"""`tanggap timeline`, `tanggap lag` and `tanggap dlq`: reading the log back, for operators."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated, Any

import orjson
import typer

dlq_app = typer.Typer(help="Dead letters: list them, put them back after a fix",
                      no_args_is_help=True)


def _write(document: Any) -> None:
    sys.stdout.write(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n")


def timeline(
    reference: Annotated[str, typer.Argument(help="ticket (KTP-2026-004217) or complaint id")],
    as_json: Annotated[bool, typer.Option("--json", help="the records themselves, as JSON")]
    = False,
) -> None:
    """Every event of a case in order, read from the log by the audit index."""
    from services.audit.app import open_store
    from services.audit.logreader import LogReader
    from services.audit.lookup import timelines
    from services.audit.settings import AuditSettings
    from services.audit.timeline import to_json, to_lines

    async def run() -> list[Any]:
        settings = AuditSettings()
        store = await open_store(settings)
        try:
            async with LogReader(settings) as reader:
                return await timelines(reference, store, reader, settings)
        finally:
            await store.pool.close()

    found = asyncio.run(run())
    if not found:
        typer.echo(f"timeline: no case {reference!r} in the audit index", err=True)
        raise typer.Exit(1)
    if as_json:
        _write([to_json(t) for t in found])
        return
    for n, case in enumerate(found):
        if n:
            typer.echo("")
        for line in to_lines(case):
            typer.echo(line)


def lag(
    group: Annotated[list[str] | None, typer.Option(
        "--group", help="only these groups (e.g. tanggap-router); default: all of tanggap")]
    = None,
) -> None:
    """Each consumer group's lag per topic: records not yet committed."""
    from services.runtime.lag import LagProbe, by_topic
    from services.runtime.settings import RuntimeSettings

    settings = RuntimeSettings()

    async def run() -> list[tuple[str, dict[str, int]]]:
        async with LagProbe(settings) as probe:
            groups = [settings.topic(g) for g in group] if group else await probe.groups()
            return [(g, by_topic(await probe.lag(g), settings.topic_prefix)) for g in groups]

    rows = asyncio.run(run())
    typer.echo(f"{'group':32} {'topic':40} {'lag':>10}")
    for name, topics in rows:
        for topic, records in sorted(topics.items()):
            typer.echo(f"{name.removeprefix(settings.topic_prefix):32} {topic:40} {records:>10}")
    if not rows:
        typer.echo("(no consumer groups of tanggap)")
