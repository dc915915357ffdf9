"""Router's Faust worker: route_complaint, apply_operator_command, redirect_case and
amend_case agents."""

from __future__ import annotations

from pathlib import Path

from schemas.topics import COMMANDS, RECEIVED, RESPONSES, UPDATED, catalogue
from services.router.handlers import RouterHandlers
from services.router.outbox import KafkaLookup, Outbox
from services.router.rules import load_rules
from services.router.settings import RouterSettings
from services.runtime.database import connect, migrate
from services.runtime.stream import StreamService

MIGRATIONS = Path(__file__).parent / "migrations"
SCHEMA = "router"


def build(settings: RouterSettings) -> StreamService:
    service = StreamService("router", settings, web_port=settings.router_web_port)
    directory = settings.directory()
    # Rules are compiled at build time so that a broken rule file stops the worker at once.
    rules = load_rules(settings.rules_path(), directory)
    handlers = RouterHandlers(rules, directory, scope=settings.topic_prefix)
    partitions = {s.name: s.partitions for s in catalogue(directory)}
    lookup = KafkaLookup(settings, partitions)

    async def open_resources() -> None:
        pool = await connect(settings.database_url, SCHEMA)
        await migrate(pool, SCHEMA, MIGRATIONS)
        handlers.pool = pool
        handlers.outbox = Outbox(lookup, partitions)

    async def close_resources() -> None:
        await lookup.stop()
        if handlers.pool is not None:
            await handlers.pool.close()

    service.on_start(open_resources)
    service.on_stop(close_resources)
    # One transaction per batch; the outbox records are marked sent once Kafka has it all.
    service.consume_batch(RECEIVED, handlers.route_complaints, name="route_complaint",
                          after_sent=handlers.mark_sent)
    service.consume_batch(COMMANDS, handlers.apply_operator_commands,
                          name="apply_operator_command", after_sent=handlers.mark_sent)
    service.consume_batch(RESPONSES, handlers.redirect_cases, name="redirect_case",
                          after_sent=handlers.mark_sent)
    service.consume_batch(UPDATED, handlers.amend_cases, name="amend_case",
                          after_sent=handlers.mark_sent)
    return service
