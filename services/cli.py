"""`tanggap`: the operator's command line (serve, topics, keys, route, report, tail, export)."""

from __future__ import annotations

import asyncio
from enum import StrEnum

import typer

from services.intake.answers.cli import app as agency_keys_app
from services.intake.cli import app as intake_app
from services.router.cli import route
from services.sla.cli import report

app = typer.Typer(help="tanggap: public-complaint backbone on Kafka", no_args_is_help=True)
topics_app = typer.Typer(help="The topic catalogue", no_args_is_help=True)
schemas_app = typer.Typer(help="The event contract", no_args_is_help=True)
app.add_typer(topics_app, name="topics")
app.add_typer(schemas_app, name="schemas")
app.add_typer(intake_app, name="intake")
app.add_typer(agency_keys_app, name="agency-keys")
app.command("route")(route)
app.command("report")(report)


class ServiceName(StrEnum):
    intake = "intake"
    router = "router"
    sla = "sla"
    notifier = "notifier"


@app.command()
def serve(service: ServiceName) -> None:
    """Run one service in this process until interrupted."""
    from services.runtime.logs import configure_logging
    from services.runtime.settings import RuntimeSettings

    base = RuntimeSettings()
    configure_logging(base.log_level, base.log_json)
    if service is ServiceName.intake:
        import uvicorn

        from services.intake.app import create_app
        from services.intake.settings import IntakeSettings

        conf = IntakeSettings()
        options = {"host": conf.intake_host, "port": conf.intake_port,
                   "log_level": conf.log_level.lower(), "timeout_graceful_shutdown": 5}
        if conf.intake_workers > 1:  # worker processes import the app factory themselves
            uvicorn.run("services.intake.app:create_app", factory=True,
                        workers=conf.intake_workers, **options)  # type: ignore[arg-type]
        else:
            uvicorn.run(create_app(conf), **options)  # type: ignore[arg-type]
        return
    if service is ServiceName.router:
        from services.router.app import build
        from services.router.settings import RouterSettings as Settings
    elif service is ServiceName.sla:
        from services.sla.app import build  # type: ignore[assignment]
        from services.sla.settings import SlaSettings as Settings  # type: ignore[assignment]
    else:
        from services.notifier.app import build  # type: ignore[assignment]
        from services.notifier.settings import NotifierSettings as Settings  # type: ignore[assignment]
    build(Settings()).run()  # type: ignore[arg-type]


@topics_app.command("create")
def topics_create() -> None:
    """Create every catalogue topic that does not exist yet (idempotent)."""
    from schemas.topics import catalogue
    from services.runtime.admin import ensure_topics
    from services.runtime.settings import RuntimeSettings

    settings = RuntimeSettings()
    specs = catalogue(settings.directory())
    created = asyncio.run(ensure_topics(settings, specs))
    typer.echo(f"topics: {len(created)} created, {len(specs) - len(created)} already there")


@topics_app.command("list")
def topics_list() -> None:
    """Print the catalogue: name, partitions, retention, events carried."""
    from schemas.topics import catalogue
    from services.runtime.settings import RuntimeSettings

    settings = RuntimeSettings()
    for spec in catalogue(settings.directory()):
        carries = ",".join(c.__name__ for c in spec.carries) or "raw"
        typer.echo(f"{settings.topic(spec.name):45} p={spec.partitions} "
                   f"retention.ms={spec.retention_ms:<12} {carries}")


@schemas_app.command("export")
def schemas_export(check: bool = typer.Option(False, help="fail if the files drifted")) -> None:
    """Write schemas/jsonschema/*.json from the models (or check them)."""
    from schemas import export

    if check:
        drifted = export.drift()
        if drifted:
            typer.echo("drifted: " + ", ".join(drifted), err=True)
            raise typer.Exit(1)
        typer.echo("schemas: up to date")
        return
    typer.echo(f"schemas: wrote {len(export.write())} files")


@app.command()
def tail(topic: str, from_beginning: bool = typer.Option(True, help="start at the oldest")) -> None:
    """Print a topic's records as JSON lines (e.g. agency.dinas-pupr.assignments)."""
    from services.runtime.tail import tail_topic

    asyncio.run(tail_topic(topic, from_beginning))


@app.command()
def inbox(port: int = 8099) -> None:
    """A local agency webhook receiver for `make run`: verifies and prints deliveries."""
    import uvicorn

    from services.notifier.inbox import create_inbox

    uvicorn.run(create_inbox(), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    app()
