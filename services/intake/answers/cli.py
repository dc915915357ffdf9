"""`tanggap agency-keys`: create, list and revoke the keys agencies answer their cases with."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import asyncpg
import typer

from services.intake.answers.keys import create_agency_key, list_agency_keys, revoke_agency_key
from services.runtime.database import connect, migrate
from services.runtime.settings import RuntimeSettings

app = typer.Typer(help="Agencies' API keys for answering their cases", no_args_is_help=True)
MIGRATIONS = Path(__file__).parent.parent / "migrations"
T = TypeVar("T")


def _with_pool(work: Callable[[asyncpg.Pool], Awaitable[T]]) -> T:
    async def run() -> T:
        settings = RuntimeSettings()
        pool = await connect(settings.database_url, "intake", max_size=2)
        try:
            await migrate(pool, "intake", MIGRATIONS)  # the same migrations intake applies
            return await work(pool)
        finally:
            await pool.close()

    return asyncio.run(run())


@app.command("create")
def create(agency: str, label: str = typer.Option("default", help="who holds the key")) -> None:
    """Create a key for an agency; prints the key once on stdout (only its hash is stored)."""
    directory = RuntimeSettings().directory()
    if directory.get(agency) is None or agency not in directory.assignable():
        typer.echo(f"unknown or non-assignable agency {agency!r}", err=True)
        raise typer.Exit(2)
    key, secret = _with_pool(lambda pool: create_agency_key(pool, agency, label))
    typer.echo(f"created {key.key_id} for agency {key.agency}; give the key to the agency now:"
               " it cannot be shown again", err=True)
    typer.echo(secret)


@app.command("list")
def list_keys() -> None:
    """Print every key's id, agency, label and state (never the key)."""
    for key in _with_pool(list_agency_keys):
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        typer.echo(f"{key.key_id}  {key.agency:24} {key.label:20} {state}")


@app.command("revoke")
def revoke(key_id: str) -> None:
    """Revoke a key at once."""
    if not _with_pool(lambda pool: revoke_agency_key(pool, key_id)):
        typer.echo(f"no active key {key_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {key_id}")
