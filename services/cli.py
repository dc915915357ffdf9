"""`tanggap`: the operator's command line (serve, topics, keys, route, report, timeline, dlq,
lag, whatif, tail, export)."""

from __future__ import annotations

import asyncio
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from services.audit.cli import dlq_app, lag, timeline
from services.audit.replay_command import replay_command
from services.audit.whatif_command import whatif
from services.console.cli import app as console_app
from services.intake.answers.cli import app as agency_keys_app
from services.intake.cli import app as intake_app
from services.intake.privacy.cli import app as privacy_app
from services.router.cli import app as route_app
from services.runtime.security_cli import acl_app, agency_app
from services.sla.cli import report

app = typer.Typer(help="tanggap: public-complaint backbone on Kafka", no_args_is_help=True)
topics_app = typer.Typer(help="The topic catalogue", no_args_is_help=True)
schemas_app = typer.Typer(help="The event contract", no_args_is_help=True)
app.add_typer(topics_app, name="topics")
app.add_typer(schemas_app, name="schemas")
app.add_typer(intake_app, name="intake")
app.add_typer(agency_keys_app, name="agency-keys")
app.add_typer(route_app, name="route")
app.add_typer(privacy_app, name="privacy")
app.add_typer(acl_app, name="acl")
app.add_typer(agency_app, name="agency")
app.add_typer(console_app, name="console")
app.command("report")(report)
app.command("timeline")(timeline)
app.command("lag")(lag)
app.command("whatif")(whatif)
app.command("replay")(replay_command)
app.add_typer(dlq_app, name="dlq")


class ServiceName(StrEnum):
    intake = "intake"
    router = "router"
    sla = "sla"
    notifier = "notifier"
    audit = "audit"
    console = "console"


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
    if service is ServiceName.audit:
        import uvicorn

        from services.audit.app import create_app as create_audit
        from services.audit.settings import AuditSettings

        audit = AuditSettings()
        uvicorn.run(create_audit(audit), host=audit.audit_web_host, port=audit.audit_web_port,
                    log_level=audit.log_level.lower(), timeout_graceful_shutdown=5)
        return
    if service is ServiceName.console:
        import uvicorn

        from services.console.app import create_app as create_console
        from services.console.settings import ConsoleSettings

        console = ConsoleSettings()
        uvicorn.run(create_console(console), host=console.console_host,
                    port=console.console_port, log_level=console.log_level.lower(),
                    timeout_graceful_shutdown=5)
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
    """Write schemas/jsonschema/*.json and schemas/asyncapi.yaml from the models (or check them)."""
    from schemas import asyncapi, export

    if check:
        drifted = export.drift() + (["asyncapi.yaml"] if asyncapi.drifted() else [])
        if drifted:
            typer.echo("drifted: " + ", ".join(drifted), err=True)
            raise typer.Exit(1)
        typer.echo("schemas: up to date")
        return
    typer.echo(f"schemas: wrote {len(export.write())} files and {asyncapi.write().name}")


@app.command()
def tail(topic: str, from_beginning: bool = typer.Option(True, help="start at the oldest")) -> None:
    """Print a topic's records as JSON lines (e.g. agency.dinas-pupr.assignments)."""
    from services.runtime.tail import tail_topic

    asyncio.run(tail_topic(topic, from_beginning))


@app.command()
def demo(
    keys: Annotated[Path | None, typer.Option(help="folder of <channel>.key files "
                                                   "(default: var/demo-keys)")] = None,
    intake_url: Annotated[str | None, typer.Option(help="intake's base URL (default: "
                                                        "port $TANGGAP_INTAKE_PORT)")] = None,
    rate: Annotated[float, typer.Option(help="complaints per second")] = 2.0,
    run: Annotated[str, typer.Option(help="a new run id posts the corpus again")] = "1",
    limit: Annotated[int, typer.Option(help="post only the first N (0: all)")] = 0,
) -> None:
    """Post the dev corpus (tests/data/complaints-dev.jsonl) through intake's API."""
    import os

    from services.console.demo import load, post_corpus, read_keys
    from services.runtime.settings import RuntimeSettings

    keys = keys or Path(RuntimeSettings().var_dir) / "demo-keys"
    intake_url = intake_url or f"http://127.0.0.1:{os.environ.get('TANGGAP_INTAKE_PORT', 8000)}"
    found = read_keys(keys)
    if not found:
        typer.echo(f"no adapter keys in {keys}/ (make run creates them)", err=True)
        raise typer.Exit(1)
    items = load()[: limit or None]
    counts = asyncio.run(post_corpus(intake_url, found, items, run, rate, typer.echo))
    typer.echo("demo: " + ", ".join(f"{n} x {outcome}" for outcome, n in sorted(counts.items())))


@app.command()
def inbox(port: int = 8099) -> None:
    """A local agency webhook receiver for `make run`: verifies and prints deliveries."""
    import uvicorn

    from services.notifier.inbox import create_inbox

    uvicorn.run(create_inbox(), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    app()
