"""`tanggap privacy`: erase by ticket, the erasure record, the retention sweep, the RoPA."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import asyncpg
import typer

from schemas.envelope import utcnow
from services.intake.privacy.erasure import UnknownTicket, erase_by_ticket, erase_expired, erasures
from services.intake.settings import IntakeSettings
from services.runtime.database import connect, migrate

app = typer.Typer(help="Personal data: erasure and the record of processing (UU PDP)",
                  no_args_is_help=True)
MIGRATIONS = Path(__file__).parent.parent / "migrations"
T = TypeVar("T")


def _with_pool(work: Callable[[asyncpg.Pool], Awaitable[T]]) -> T:
    async def run() -> T:
        pool = await connect(IntakeSettings().database_url, "intake", max_size=2)
        try:
            await migrate(pool, "intake", MIGRATIONS)
            return await work(pool)
        finally:
            await pool.close()

    return asyncio.run(run())


@app.command("erase")
def erase(ticket: str, by: str = typer.Option(..., help="the operator carrying out the request")
          ) -> None:
    """Erase the contact data of the citizen who reported TICKET (all their cases)."""
    try:
        done = _with_pool(lambda pool: erase_by_ticket(pool, ticket, by))
    except UnknownTicket:
        typer.echo(f"no case has ticket {ticket!r}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"erasure {done.erasure_id}: contact data of {done.cases} case(s) erased")


@app.command("erasures")
def list_erasures(limit: int = 100) -> None:
    """The record of erasures, newest first (no personal data in it)."""
    for row in _with_pool(lambda pool: erasures(pool, limit)):
        typer.echo(f"{row['erasure_id']}  {row['erased_at']:%Y-%m-%d %H:%M}  {row['reason']:9} "
                   f"{row['ticket'] or '-':18} {row['reporter_id'] or '-':26} "
                   f"cases={row['cases']} by={row['requested_by'] or '-'}")


@app.command("sweep")
def sweep() -> None:
    """Erase now what the retention says is due (intake also does this on its own)."""
    days = IntakeSettings().contact_retention_days
    if days <= 0:
        typer.echo("retention sweep is off (TANGGAP_CONTACT_RETENTION_DAYS=0)")
        return
    done = _with_pool(lambda pool: erase_expired(pool, days, utcnow(), limit=100_000))
    typer.echo(f"retention: {len(done)} reporters erased")


@app.command("record")
def record(as_json: bool = typer.Option(False, "--json", help="JSON instead of text")) -> None:
    """The record of processing activities: what is held, where, how long, who reads it."""
    from services.runtime.processing_record import processing_record

    settings = IntakeSettings()
    doc = processing_record(settings, settings.directory(), settings.contact_retention_days)
    if as_json:
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    for key in ("controller", "purpose", "data_subjects", "recipients", "breach_notice"):
        typer.echo(f"{key}: {doc[key]}")
    typer.echo("safeguards:\n" + "\n".join(f"  - {s}" for s in doc["safeguards"]))
    for h in doc["holdings"]:
        typer.echo(f"\n{h['where']} ({h['kind']})\n  data: {h['data']}\n"
                   f"  retention: {h['retention']}\n  writers: {', '.join(h['writers']) or '-'}"
                   f"\n  readers: {', '.join(h['readers']) or 'operators (admin)'}")
