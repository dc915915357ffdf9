"""`tanggap timeline`, `tanggap lag` and `tanggap dlq`: reading the log back, for operators."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated, Any

import orjson
import typer

from services.runtime.kafka_security import kafka_client_options

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


def _reader(settings: Any) -> Any:
    from aiokafka import AIOKafkaConsumer

    return AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                            **kafka_client_options(settings), group_id=None,
                            enable_auto_commit=False, isolation_level="read_committed")


@dlq_app.command("list")
def dlq_list(
    topic: Annotated[str, typer.Argument(help="complaints.received or complaints.received.dlq")],
) -> None:
    """Dead letters with reason, origin, age; never their content (it may be personal)."""
    import time

    from services.audit.app import open_store
    from services.audit.deadletters import describe, dlq_name
    from services.audit.redrive import Redriver, read_dead_letters
    from services.audit.settings import AuditSettings

    settings = AuditSettings()
    dlq = dlq_name(topic)

    async def run() -> tuple[list[Any], dict[tuple[int, int], str]]:
        consumer = _reader(settings)
        store = await open_store(settings)
        await consumer.start()
        try:
            letters = await read_dead_letters(consumer, settings, dlq)
            done = await Redriver(settings, store.pool, consumer, None).status(
                settings.topic(dlq))
            return letters, done
        finally:
            await consumer.stop()
            await store.pool.close()

    try:
        letters, done = asyncio.run(run())
    except LookupError as exc:
        typer.echo(f"dlq: {exc}", err=True)
        raise typer.Exit(2) from None
    now_ms = int(time.time() * 1000)
    typer.echo(f"{dlq}: {len(letters)} dead letter(s)")
    typer.echo(f"{'id':>8}  {'age':>6}  origin topic/partition@offset, service, key, size, "
               "digest, reason")
    for letter in letters:
        state = done.get((letter.partition, letter.offset))
        typer.echo(describe(letter, now_ms) + (f"  [re-driven: {state}]" if state else ""))


@dlq_app.command("redrive")
def dlq_redrive(
    topic: Annotated[str, typer.Argument(help="complaints.received or complaints.received.dlq")],
    ids: Annotated[list[str] | None, typer.Option(
        "--id", help="only these dead letters (partition:offset, as `dlq list` shows)")] = None,
    crash_after_send: Annotated[int, typer.Option(hidden=True)] = 0,
) -> None:
    """Re-publish dead letters to their original topic, each exactly once (safe to re-run)."""
    from services.audit.app import open_store
    from services.audit.deadletters import dlq_name
    from services.audit.redrive import Redriver
    from services.audit.settings import AuditSettings

    settings = AuditSettings()

    async def run() -> Any:
        from aiokafka import AIOKafkaProducer

        consumer = _reader(settings)
        # Re-driving promises exactly once, so the producer is durable and idempotent; it is
        # aiokafka's own because the redrive needs the partition and offset each record got.
        producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers,
                                    **kafka_client_options(settings),
                                    acks="all", enable_idempotence=True)
        store = await open_store(settings)
        await consumer.start()
        await producer.start()
        try:
            return await Redriver(settings, store.pool, consumer, producer,
                                  crash_after_send).run(dlq_name(topic), set(ids or ()))
        finally:
            await producer.stop()
            await consumer.stop()
            await store.pool.close()

    try:
        report = asyncio.run(run())
    except LookupError as exc:
        typer.echo(f"dlq: {exc}", err=True)
        raise typer.Exit(2) from None
    for line in report.sent:
        typer.echo(f"re-driven {line}")
    for line in report.found:
        typer.echo(f"re-driven by an interrupted run, now recorded: {line}")
    for line in report.already:
        typer.echo(f"already re-driven: {line}")
    typer.echo(f"{len(report.sent)} sent, {len(report.found)} completed, "
               f"{len(report.already)} already done")
