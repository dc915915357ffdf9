"""PostgreSQL pool and the ordered SQL migration runner each service applies at start."""

from __future__ import annotations

import logging
from pathlib import Path

import asyncpg

from services.runtime.outage import POOLS, riding_out

log = logging.getLogger(__name__)


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Release without the server-side reset query (a round trip per pool use, measured as
    the largest single cost of an intake request). asyncpg still rolls back an open
    transaction first; our code leaves no other session state: SET LOCAL only, advisory
    locks held by transactions or unlocked in `finally`, no LISTEN, no session cursors."""


async def connect(url: str, schema: str, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """Open a pool whose connections see the service's own schema; called at start-up."""
    # A service started while the database restarts waits for it (services/runtime/outage.py).
    pool = await riding_out(lambda: asyncpg.create_pool(
        url, min_size=min_size, max_size=max_size,
        server_settings={"search_path": f'"{schema}",public'}, reset=_keep_session), "connect")
    assert pool is not None
    POOLS.append(pool)
    return pool


def read_migrations(folder: Path) -> list[tuple[str, str]]:
    """The folder's NNN_name.sql files, in order, as (name, sql)."""
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.sql"))]


async def migrate(pool: asyncpg.Pool, schema: str, folder: Path) -> list[str]:
    """Apply the folder's NNN_name.sql files not yet recorded in <schema>.schema_migrations."""
    files = read_migrations(folder)
    applied: list[str] = []
    async with pool.acquire() as conn:
        # One service instance migrates at a time; the others wait, then find nothing to do.
        await conn.execute("SELECT pg_advisory_lock(hashtext($1))", schema)
        try:
            await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            await conn.execute(
                f'CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations ('
                " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["version"] for r in await conn.fetch(
                f'SELECT version FROM "{schema}".schema_migrations')}
            for name, sql in files:
                if name in done:
                    continue
                async with conn.transaction():
                    await conn.execute(f'SET LOCAL search_path TO "{schema}"')
                    await conn.execute(sql)
                    await conn.execute(
                        f'INSERT INTO "{schema}".schema_migrations (version) VALUES ($1)', name)
                applied.append(name)
                log.info("applied migration %s/%s", schema, name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", schema)
    return applied
