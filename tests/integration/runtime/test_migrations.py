"""The migration runner on the real PostgreSQL: ordered, recorded, applied once."""

from __future__ import annotations

import uuid
from pathlib import Path

from services.runtime.database import connect, migrate
from services.runtime.settings import RuntimeSettings


async def test_migrations_apply_in_order_once_and_are_recorded(
        stack: RuntimeSettings, tmp_path: Path) -> None:
    schema = f"mig_{uuid.uuid4().hex[:8]}"
    (tmp_path / "001_first.sql").write_text("CREATE TABLE things (id int PRIMARY KEY);")
    (tmp_path / "002_second.sql").write_text("ALTER TABLE things ADD COLUMN name text;")
    pool = await connect(stack.database_url, schema)
    try:
        assert await migrate(pool, schema, tmp_path) == ["001_first.sql", "002_second.sql"]
        assert await migrate(pool, schema, tmp_path) == []
        (tmp_path / "003_third.sql").write_text("INSERT INTO things VALUES (1, 'satu');")
        assert await migrate(pool, schema, tmp_path) == ["003_third.sql"]
        assert await pool.fetchval("SELECT name FROM things") == "satu"
        recorded = await pool.fetch(f"SELECT version FROM {schema}.schema_migrations ORDER BY 1")
        assert [r["version"] for r in recorded] == ["001_first.sql", "002_second.sql",
                                                    "003_third.sql"]
    finally:
        await pool.execute(f"DROP SCHEMA {schema} CASCADE")
        await pool.close()


async def test_failed_migration_is_not_recorded(stack: RuntimeSettings, tmp_path: Path) -> None:
    schema = f"mig_{uuid.uuid4().hex[:8]}"
    (tmp_path / "001_bad.sql").write_text("CREATE TABLE t (id int); SELECT nonsense;")
    pool = await connect(stack.database_url, schema)
    try:
        try:
            await migrate(pool, schema, tmp_path)
        except Exception as exc:  # noqa: BLE001 - asyncpg raises a specific UndefinedColumnError
            assert "nonsense" in str(exc)
        assert await pool.fetchval(f"SELECT count(*) FROM {schema}.schema_migrations") == 0
        assert await pool.fetchval("SELECT to_regclass('t')") is None
    finally:
        await pool.execute(f"DROP SCHEMA {schema} CASCADE")
        await pool.close()
