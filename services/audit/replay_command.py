"""`tanggap replay [SERVICE...]`: rebuild a service's state from offset zero and verify it.

Each service offers a replay target: its input and output topics, its BatchHandler with a
store on a fresh PostgreSQL schema, and the live schema to compare with. A service that has
none yet (its handlers still publish themselves) is reported as not replayable.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import typer

from services.runtime.replay import ReplayResult, ReplayTarget

# Where each stateful consumer's replay target lives; a module supplies `target`.
TARGETS = {
    "intake": "services.intake.status.replay:target",
    "router": "services.router.replay:target",
    "sla": "services.sla.replay:target",
    "notifier": "services.notifier.replay:target",
}


TargetFactory = Callable[[Any, str], Awaitable[ReplayTarget]]  # (settings, fresh schema)


def load_target(path: str) -> TargetFactory | None:
    module, _, name = path.partition(":")
    try:
        return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]
    except (ImportError, AttributeError):
        return None


def _what(doc: dict[str, Any]) -> str:
    """Type and case of an event, and its stage where it is an SLA clock's."""
    stage = (f", {doc.get('agency')}'s {doc.get('target')} clock"
             + (f" at {doc['fraction']:g}" if "fraction" in doc
                else f" level {doc['level']}" if "level" in doc else "")
             if "clock_id" in doc else "")
    return f"{doc.get('type')} of {doc.get('complaint_id')}{stage}"


def _print_result(service: str, result: ReplayResult, note: str | None = None) -> None:
    typer.echo(f"{service}: {result.inputs} inputs in {result.seconds:.1f} s "
               f"({result.events_per_second:,.0f} events/s), {result.outputs} outputs, "
               f"{result.matched} equal to the log")
    for d in result.differing[:20]:
        typer.echo(f"  differs   {d['topic']} {d['recorded'].get('event_id')} "
                   f"({_what(d['recorded'])})")
    for u in result.unrecorded[:20]:
        typer.echo(f"  unlogged  {u['topic']} {_what(u['event'])}")
    for n in result.not_reproduced[:20]:
        typer.echo(f"  not made  {n['topic']} {_what(n['recorded'])}")
    if note and not result.reproduced:
        typer.echo(f"  note: {note}")


async def _drop(settings: Any, schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def _one(settings: Any, service: str, factory: TargetFactory, keep: bool) -> bool:
    from rich.progress import BarColumn, Progress, TextColumn

    from services.runtime.database import connect
    from services.runtime.replay import differing_rows, replay_target, table_checksums

    fresh = f"{service}_replay_{int(time.time())}"
    target = await factory(settings, fresh)
    try:
        with Progress(TextColumn(f"{service}"), BarColumn(),
                      TextColumn("{task.completed}/{task.total} records")) as bar:
            task = bar.add_task(service, total=None)
            result = await replay_target(
                settings, target, lambda d, t: bar.update(task, completed=d, total=t))
    except BaseException:
        if target.live_schema is not None and not keep:  # left for the comparison otherwise
            await _drop(settings, fresh)
        raise
    finally:
        await target.close()
    _print_result(service, result, target.note)
    same = result.reproduced
    if target.live_schema is not None:
        pool = await connect(settings.database_url, fresh, max_size=2)
        try:
            live = await table_checksums(pool, target.live_schema, target.tables)
            rebuilt = await table_checksums(pool, fresh, target.tables)
            for table in sorted(set(live) | set(rebuilt)):
                equal = live.get(table) == rebuilt.get(table)
                same &= equal
                typer.echo(f"  table {table}: {'equal' if equal else 'DIFFERS'} "
                           f"(live {live.get(table)}, rebuilt {rebuilt.get(table)})")
                if not equal and table in live and table in rebuilt:
                    where = (target.tables or {}).get(table, "true")
                    for side, row in await differing_rows(pool, target.live_schema, fresh,
                                                          table, where=where):
                        typer.echo(f"    {side:7} {row[:200]}")
            if not keep:
                await pool.execute(f'DROP SCHEMA IF EXISTS "{fresh}" CASCADE')
        finally:
            await pool.close()
    return same


def replay_command(
    services: Annotated[list[str] | None, typer.Argument(
        help="intake, router, sla, notifier (default: all)")] = None,
    target: Annotated[str | None, typer.Option(
        help="module:function of a replay target (instead of a service's own)",
        hidden=True)] = None,
    keep: Annotated[bool, typer.Option(help="keep the rebuilt schema")] = False,
) -> None:
    """Re-run the recorded inputs from offset zero into a fresh schema, publishing nothing,
    and check every output against the log and every table against the live one."""
    from services.runtime.settings import RuntimeSettings

    settings = RuntimeSettings()
    chosen = {"target": target} if target else {s: TARGETS[s] for s in (services or TARGETS)
                                               if s in TARGETS}
    unknown = sorted(set(services or ()) - set(TARGETS)) if not target else []
    if unknown:
        typer.echo(f"replay: unknown service(s) {', '.join(unknown)}", err=True)
        raise typer.Exit(2)
    ok = True
    for service, path in chosen.items():
        factory = load_target(path)
        if factory is None:
            typer.echo(f"{service}: not replayable yet (no {path}; its handlers must return "
                       "their outputs instead of publishing)")
            continue
        ok &= asyncio.run(_one(settings, service, factory, keep))
    if not ok:
        raise typer.Exit(1)
