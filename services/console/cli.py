"""`tanggap console users create|disable|list` and the demo accounts of `make run`."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from services.console.access import Role

if TYPE_CHECKING:
    import asyncpg

    from services.console.settings import ConsoleSettings

app = typer.Typer(help="The console's accounts", no_args_is_help=True)
users_app = typer.Typer(help="Operators, supervisors and agency staff", no_args_is_help=True)
app.add_typer(users_app, name="users")
T = TypeVar("T")
PASSWORD_ENV = "TANGGAP_CONSOLE_PASSWORD"


def _with_pool(work: Callable[[asyncpg.Pool, ConsoleSettings], Awaitable[T]]) -> T:
    """Run `work(pool, settings)` against the console's schema, migrated first."""
    from services.console.app import MIGRATIONS
    from services.console.settings import ConsoleSettings
    from services.runtime.database import connect, migrate

    async def run() -> T:
        settings = ConsoleSettings()
        pool = await connect(settings.database_url, "console", max_size=2)
        try:
            await migrate(pool, "console", MIGRATIONS)
            return await work(pool, settings)
        finally:
            await pool.close()

    return asyncio.run(run())


@users_app.command("create")
def create(
    username: Annotated[str, typer.Argument(help="sign-in name")],
    role: Annotated[Role, typer.Option(help="operator, supervisor or agency")],
    agency: Annotated[str | None, typer.Option(help="agency code (agency staff only)")] = None,
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    reset: Annotated[bool, typer.Option(help="set a new password if the user exists")] = False,
) -> None:
    """Create an account; the password comes from $TANGGAP_CONSOLE_PASSWORD or is generated
    and printed once on stdout (only its argon2 hash is stored)."""
    from services.console import accounts
    from services.console.access import check_new_user
    from services.console.security import Hasher, new_password

    password = os.environ.get(PASSWORD_ENV) or new_password()

    async def work(pool: asyncpg.Pool, settings: ConsoleSettings) -> str | None:
        problem = check_new_user(role, agency, set(settings.directory().assignable()))
        if problem:
            return problem
        hashed = Hasher().hash(password)
        try:
            await accounts.create_user(pool, username, name or username, role, agency, hashed)
        except accounts.UserExists:
            if not reset or not await accounts.set_password(pool, username, hashed):
                return f"user {username!r} exists (use --reset to set a new password)"
        return None

    problem = _with_pool(work)
    if problem:
        typer.echo(problem, err=True)
        raise typer.Exit(1)
    typer.echo(f"user {username} ({role.value}{', ' + agency if agency else ''}) ready", err=True)
    if not os.environ.get(PASSWORD_ENV):
        typer.echo(password)


@users_app.command("disable")
def disable(username: str) -> None:
    """Disable an account; its sessions and claims end at once."""
    from services.console import accounts

    async def work(pool: asyncpg.Pool, settings: ConsoleSettings) -> bool:
        return await accounts.disable_user(pool, username)

    if not _with_pool(work):
        typer.echo(f"no user {username!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"user {username} disabled")


@users_app.command("list")
def list_users() -> None:
    """Print every account: username, role, agency, active."""
    from services.console import accounts

    async def work(pool: asyncpg.Pool, settings: ConsoleSettings) -> list:
        return await accounts.list_users(pool)

    for row in _with_pool(work):
        typer.echo(f"{row['username']:24} {row['role']:11} {row['agency'] or '-':20} "
                   f"{'active' if row['active'] else 'disabled'}")
