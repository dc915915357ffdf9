"""`tanggap acl plan|apply|diff` and `tanggap agency onboard`: the broker's ACLs and principals."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import typer

from schemas.topics import SERVICES, agency_topic, agency_topics
from services.runtime.acl_plan import (
    agency_acls,
    agency_group_prefix,
    agency_principal,
    drift,
    plan,
    service_principal,
)
from services.runtime.settings import RuntimeSettings

acl_app = typer.Typer(help="Kafka ACLs, generated from the directory and the catalogue",
                      no_args_is_help=True)
agency_app = typer.Typer(help="Agencies' own Kafka clients", no_args_is_help=True)


def credentials_dir(settings: RuntimeSettings) -> Path:
    return settings.kafka_credentials_dir or settings.var_dir / "kafka" / "credentials"


def new_password(directory: Path, user: str) -> tuple[Path, str]:
    """A fresh ASCII password in `<user>.password`, readable only by its owner."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / f"{user}.password"
    password = secrets.token_hex(18)  # hex: ASCII, nothing for SASLprep to disagree on
    path.touch(mode=0o600)
    path.write_text(password, encoding="ascii")
    return path, password


@acl_app.command("plan")
def acl_plan() -> None:
    """Print every ACL the spec asks for (principal, operation, resource, pattern, name)."""
    settings = RuntimeSettings()
    acls = plan(settings, settings.directory())
    for acl in acls:
        typer.echo(str(acl))
    typer.echo(f"# {len(acls)} ACLs", err=True)


@acl_app.command("diff")
def acl_diff() -> None:
    """Drift between the live broker and the spec; exit code 1 if there is any."""
    from services.runtime.acl_admin import AclAdmin

    settings = RuntimeSettings()

    async def run() -> bool:
        async with AclAdmin(settings) as admin:
            found = drift(plan(settings, settings.directory()), await admin.describe(), settings)
        for acl in found.missing:
            typer.echo(f"+ {acl}")
        for acl in found.extra:
            typer.echo(f"- {acl}")
        return found.clean

    if not asyncio.run(run()):
        raise typer.Exit(1)
    typer.echo("acl: broker matches the spec")


@acl_app.command("apply")
def acl_apply(prune: bool = typer.Option(True, help="remove ACLs the spec does not name"),
              users: bool = typer.Option(True, help="create missing service principals")) -> None:
    """Make the broker's ACLs the spec's; create service principals that have no password yet."""
    from services.runtime.acl_admin import AclAdmin, wait_until_accepted

    settings = RuntimeSettings()
    folder = credentials_dir(settings)

    async def run() -> None:
        async with AclAdmin(settings) as admin:
            if users:
                fresh = {}
                for service in SERVICES:
                    user = service_principal(settings, service)
                    if not (folder / f"{user}.password").exists():
                        fresh[user] = new_password(folder, user)[1]
                await admin.set_passwords(fresh)
                await wait_until_accepted(settings, fresh)
                if fresh:
                    typer.echo(f"acl: {len(fresh)} service principals created in {folder}")
            found = drift(plan(settings, settings.directory()), await admin.describe(), settings)
            await admin.create(found.missing)
            if prune:
                await admin.delete(found.extra)
        typer.echo(f"acl: {len(found.missing)} created, "
                   f"{len(found.extra) if prune else 0} removed")

    asyncio.run(run())


@agency_app.command("onboard")
def onboard(code: str) -> None:
    """Give an agency of the directory its Kafka principal, password, topic and ACLs."""
    from services.runtime.acl_admin import AclAdmin, wait_until_accepted
    from services.runtime.admin import ensure_topics

    settings = RuntimeSettings()
    directory = settings.directory()
    if code not in directory.assignable():
        typer.echo(f"{code!r} is not an assignable agency of {settings.tenant}: add it to "
                   "agencies.yaml first", err=True)
        raise typer.Exit(2)
    user = agency_principal(settings, code)

    async def run() -> Path:
        await ensure_topics(settings, [s for s in agency_topics(directory)
                                       if s.name == agency_topic(code)])
        path, password = new_password(credentials_dir(settings), user)
        async with AclAdmin(settings) as admin:
            await admin.set_passwords({user: password})
            await wait_until_accepted(settings, {user: password})
            live = await admin.describe()
            await admin.create([a for a in agency_acls(settings, directory, code)
                                if a not in live])
        return path

    path = asyncio.run(run())
    typer.echo(f"agency {code} onboarded:\n"
               f"  sasl username     {user}\n"
               f"  password file     {path}  (hand it over out of band)\n"
               f"  topic             {settings.topic(agency_topic(code))}\n"
               f"  consumer groups   {agency_group_prefix(settings, code)}<name>\n"
               f"  security          SASL_PLAINTEXT/SASL_SSL, SCRAM-SHA-512")
