"""Erasure by ticket and at the end of retention, on a database of this run's own."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest

from schemas.envelope import utcnow
from services.intake.app import MIGRATIONS
from services.intake.privacy.erasure import erase_expired
from services.runtime.database import connect, migrate
from services.runtime.settings import RuntimeSettings
from tests.support.processes import ServiceProcess, free_port, tanggap_bin
from tests.support.stack import service_env


@pytest.fixture(scope="module")
async def database(stack: RuntimeSettings, prefix: str) -> AsyncIterator[str]:
    """Retention erases every reporter it finds: only this module's may be there."""
    name = "tanggap_erase_" + prefix.strip(".")
    admin = await asyncpg.connect(stack.database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield urlunsplit(urlsplit(stack.database_url)._replace(path=f"/{name}"))
    admin = await asyncpg.connect(stack.database_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="module")
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    made = await connect(database, "intake", max_size=2)
    await migrate(made, "intake", MIGRATIONS)
    yield made
    await made.close()


@pytest.fixture(scope="module")
async def intake(stack: RuntimeSettings, database: str, pool: asyncpg.Pool
                 ) -> AsyncIterator[tuple[ServiceProcess, dict[str, str]]]:
    port = free_port()
    env = service_env(stack.topic_prefix, TANGGAP_INTAKE_PORT=str(port), DATABASE_URL=database)
    process = await ServiceProcess("intake", port, env, tag="erase-intake").start()
    yield process, env
    process.stop()


def tanggap(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tanggap_bin(), *args], env=env, capture_output=True, text=True,
                          timeout=120)


async def report(intake: ServiceProcess, key: str, phone: str, name: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as http:
        answer = await http.post("/v1/complaints", headers={"X-API-Key": key}, json={
            "channel": "web", "channel_message_id": uuid.uuid4().hex,
            "text": "Lampu jalan mati di Jl. Merdeka sejak seminggu",
            "reporter": {"name": name, "phone": phone}})
    assert answer.status_code == 202, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def test_erase_by_ticket_clears_the_contact_and_records_it(
        intake: tuple[ServiceProcess, dict[str, str]], pool: asyncpg.Pool) -> None:
    process, env = intake
    key = tanggap(env, "intake", "keys", "create", "web", "--name", "erase").stdout.strip()
    first = await report(process, key, "081355501234", "Sulastri Wulandari")
    second = await report(process, key, "+6281355501234", "Sulastri Wulandari")

    done = tanggap(env, "privacy", "erase", first["ticket"], "--by", "petugas-1")
    assert done.returncode == 0, done.stderr
    assert "2 case(s)" in done.stdout
    row = await pool.fetchrow("SELECT r.* FROM reporters r JOIN cases c USING (reporter_id)"
                              " WHERE c.ticket = $1", second["ticket"])
    assert (row["name"], row["phone"], row["email"], row["handle"]) == (None,) * 4
    assert row["erased_at"] is not None and row["identity"].startswith("erased:")
    recipients = await pool.fetch("SELECT recipient FROM cases WHERE ticket = ANY($1)",
                                  [first["ticket"], second["ticket"]])
    assert [r["recipient"] for r in recipients] == [None, None]
    left = await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE topic = 'notifications.requests' AND"
        " complaint_id = ANY($1)", [first["complaint_id"], second["complaint_id"]])
    assert left == 0
    listed = tanggap(env, "privacy", "erasures")
    assert first["ticket"] in listed.stdout and "petugas-1" in listed.stdout
    assert "0813555" not in listed.stdout and "Sulastri" not in listed.stdout
    # The case itself stays: the citizen can still follow it by ticket.
    async with httpx.AsyncClient(base_url=process.url) as http:
        assert (await http.get(f"/v1/complaints/{first['ticket']}")).status_code == 200
    assert tanggap(env, "privacy", "erase", "KTP-0000-000000", "--by", "x").returncode == 2


async def test_retention_erases_reporters_not_heard_from_in_time(
        intake: tuple[ServiceProcess, dict[str, str]], pool: asyncpg.Pool) -> None:
    process, env = intake
    key = tanggap(env, "intake", "keys", "create", "web", "--name", "retain").stdout.strip()
    case = await report(process, key, "085799912345", "Bambang Irawan")
    assert await erase_expired(pool, 365, utcnow()) == []  # still within retention
    erased = await erase_expired(pool, 365, utcnow() + timedelta(days=366))
    assert [e.reason for e in erased] == ["retention"]
    row = await pool.fetchrow("SELECT r.name, r.phone FROM reporters r JOIN cases c"
                              " USING (reporter_id) WHERE c.ticket = $1", case["ticket"])
    assert (row["name"], row["phone"]) == (None, None)


def test_the_record_of_processing_follows_the_catalogue_and_settings() -> None:
    import json

    env = service_env("", TANGGAP_CONTACT_RETENTION_DAYS="180")
    done = tanggap(env, "privacy", "record", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    where = {h["where"]: h for h in doc["holdings"]}
    assert where["notifications.requests"]["readers"] == ["svc-notifier"]
    assert where["notifications.requests"]["retention"] == "7 days"
    assert "180 days" in where["intake.reporters"]["retention"]
    assert where["agency.dinas-pupr.assignments"]["readers"] == ["agency-dinas-pupr",
                                                               "svc-router"]
