"""`tanggap intake keys`: create, list and revoke the channel adapters' API keys."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from schemas.enums import Channel

if TYPE_CHECKING:
    import asyncpg

    from services.intake.access.adapter_keys import AdapterKey
    from services.intake.settings import IntakeSettings

app = typer.Typer(help="Intake administration", no_args_is_help=True)
keys_app = typer.Typer(help="Channel adapters' API keys", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
T = TypeVar("T")
IMPORT_ENV = "TANGGAP_IMPORT_KEY"


def _with_pool(work: Callable[[asyncpg.Pool, IntakeSettings], Awaitable[T]]) -> T:
    """Run `work(pool, settings)` against intake's schema, migrated first."""
    from services.intake.app import MIGRATIONS
    from services.intake.settings import IntakeSettings
    from services.runtime.database import connect, migrate

    async def run() -> T:
        settings = IntakeSettings()
        pool = await connect(settings.database_url, "intake", max_size=2)
        try:
            await migrate(pool, "intake", MIGRATIONS)
            return await work(pool, settings)
        finally:
            await pool.close()

    return asyncio.run(run())


@keys_app.command("create")
def create(
    channel: Annotated[Channel, typer.Argument(help="the one channel the adapter posts for")],
    name: Annotated[str, typer.Option(help="who holds it, e.g. 'web-form' or 'lapor-app'")],
    rate: Annotated[float | None, typer.Option(help="requests per second")] = None,
    burst: Annotated[int | None, typer.Option(help="requests allowed at once")] = None,
    import_key: Annotated[bool, typer.Option(
        "--import-key", help=f"register the key a client already holds, read from ${IMPORT_ENV}"
                             " (never from argv, which other users can see)")] = False,
) -> None:
    """Create a key; prints the key once on stdout (only its hash is stored)."""
    from services.intake.access.adapter_keys import KeyExists, create_key

    key = os.environ.get(IMPORT_ENV) if import_key else None
    if import_key and not key:
        typer.echo(f"--import-key needs the key in ${IMPORT_ENV}", err=True)
        raise typer.Exit(2)

    async def work(pool: asyncpg.Pool, settings: IntakeSettings) -> tuple[AdapterKey, str]:
        return await create_key(pool, channel, name,
                                rate if rate is not None else settings.adapter_rate_per_second,
                                burst if burst is not None else settings.adapter_burst, key)

    try:
        created, secret = _with_pool(work)
    except KeyExists:
        typer.echo("this key is already registered", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"created {created.key_id} for channel {created.channel.value} "
               f"({created.rate_per_second:g}/s, burst {created.burst})", err=True)
    typer.echo(secret)


@keys_app.command("revoke")
def revoke(key_id: str) -> None:
    """Revoke a key by its id (k-...); requests with it get 401 from then on."""
    from services.intake.access.adapter_keys import revoke_key

    if not _with_pool(lambda pool, _settings: revoke_key(pool, key_id)):
        typer.echo(f"no active key {key_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {key_id}")


@keys_app.command("list")
def list_() -> None:
    """Every key: id, channel, holder, limits, created, revoked."""
    from services.intake.access.adapter_keys import list_keys

    for k in _with_pool(lambda pool, _settings: list_keys(pool)):
        revoked = k.revoked_at.isoformat() if k.revoked_at else "-"
        typer.echo(f"{k.key_id}  {k.channel.value:12} {k.name:24} {k.rate_per_second:g}/s "
                   f"burst {k.burst}  created {k.created_at:%Y-%m-%d}  revoked {revoked}")
