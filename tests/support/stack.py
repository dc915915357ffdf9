"""Where the real Kafka and PostgreSQL of this test run are (started by `make test`)."""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from aiokafka import AIOKafkaConsumer

from services.runtime.settings import RuntimeSettings


def _reachable(hostport: str) -> bool:
    host, _, port = hostport.split(",")[0].rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


async def wait_for_topics(settings: RuntimeSettings, *topics: str, timeout: float = 60) -> None:
    """Wait until the broker lists the topics: Faust's assignor skips a topic missing from the
    metadata of its first rebalance, and would not consume it until a later one."""
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                                group_id=None)
    await consumer.start()
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        wanted = {settings.topic(t) for t in topics}
        while not wanted <= await consumer.topics():
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"topics missing: {sorted(wanted - await consumer.topics())}")
            await asyncio.sleep(0.2)
    finally:
        await consumer.stop()


def require_stack(settings: RuntimeSettings) -> None:
    """Fail (never skip) when the real stack is missing: `make test` must start it."""
    if not _reachable(settings.kafka_bootstrap_servers):
        raise RuntimeError(f"Kafka is not reachable at {settings.kafka_bootstrap_servers}; "
                           "run the suite with `make test`, which starts it")


def run_prefix() -> str:
    """A topic and consumer-group namespace unique to this test session."""
    return f"t{uuid.uuid4().hex[:8]}."


def service_env(prefix: str, **extra: str) -> dict[str, str]:
    """Environment for a service subprocess of this test session."""
    env = dict(os.environ)
    env.update({"TANGGAP_TOPIC_PREFIX": prefix, "TANGGAP_LOG_LEVEL": "INFO",
                "TANGGAP_SESSION_TIMEOUT_SECONDS": "6"})
    env.update(extra)
    return env


async def delete_topics_with_prefix(settings: RuntimeSettings, prefix: str) -> int:
    """Remove a test session's topics (Faust's internal ones share the prefix), so local
    brokers do not accumulate thousands of partitions across runs."""
    from aiokafka.admin import AIOKafkaAdminClient

    from services.runtime.kafka_security import kafka_client_options

    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers,
                                **kafka_client_options(settings))
    await admin.start()
    try:
        doomed = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if doomed:
            await admin.delete_topics(doomed)
        return len(doomed)
    finally:
        await admin.close()


async def create_database(base_url: str, name: str) -> str:
    """A fresh database `name` on the stack's server; its URL."""
    admin = await asyncpg.connect(base_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return urlunsplit(urlsplit(base_url)._replace(path=f"/{name}"))


async def drop_database(base_url: str, name: str) -> None:
    admin = await asyncpg.connect(base_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def create_run_database(server_url: str, prefix: str) -> str:
    """A fresh database for this run, its tickets spread (below); its URL."""
    url = await create_database(server_url, f"tanggap_run_{prefix.strip('.')}")
    await spread_tickets(url)
    return url


async def drop_run_database(server_url: str, url: str) -> None:
    await drop_database(server_url, urlsplit(url).path.lstrip("/"))


_BLOCKS = itertools.count()


async def spread_tickets(url: str) -> None:
    """Start this database's ticket numbers at an offset of its own.

    Tickets are unique per intake database; two test databases on one topic namespace would
    both open KTP-YYYY-000001, and a status page read by ticket could show the other's case.
    Each database of this process (one namespace) gets a block of 100,000 numbers of its own,
    after the first thousand (databases left unspread start at 1): starts drawn from a hash of
    the name could land inside another database's range. Production shares one database per
    regency, so this is for tests only.
    """
    start = 1000 + next(_BLOCKS) * 100_000
    year = datetime.now(UTC).year
    conn = await asyncpg.connect(url)
    try:
        await conn.execute('CREATE SCHEMA IF NOT EXISTS "intake"')
        for y in (year, year + 1):  # a run across New Year in the regency's time zone
            await conn.execute(f"CREATE SEQUENCE IF NOT EXISTS intake.ticket_ktp_{y} "
                               f"START WITH {start}")
    finally:
        await conn.close()
