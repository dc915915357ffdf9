"""Adapter API keys: each bound to one channel, stored as a SHA-256 hash, revocable."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from schemas.enums import Channel
from services.intake.access.credentials import hash_secret, new_secret

KEY_PREFIX = "tgk_"


@dataclass(frozen=True)
class AdapterKey:
    key_id: str
    name: str
    channel: Channel
    rate_per_second: float
    burst: int
    created_at: datetime | None = None
    revoked_at: datetime | None = None


class KeyExists(Exception):
    """The key (its hash) is already registered."""


def _row(row: asyncpg.Record) -> AdapterKey:
    return AdapterKey(row["key_id"], row["name"], Channel(row["channel"]),
                      row["rate_per_second"], row["burst"], row["created_at"], row["revoked_at"])


async def create_key(pool: asyncpg.Pool, channel: Channel, name: str, rate_per_second: float,
                     burst: int, secret: str | None = None) -> tuple[AdapterKey, str]:
    """Register a key (generated unless given, e.g. one an Open311 client already holds)."""
    secret = secret or new_secret(KEY_PREFIX)
    key_id = "k-" + secrets.token_hex(6)
    row = await pool.fetchrow(
        "INSERT INTO adapter_keys (key_id, name, channel, key_hash, rate_per_second, burst)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key_hash) DO NOTHING RETURNING *",
        key_id, name, channel.value, hash_secret(secret), rate_per_second, burst)
    if row is None:
        raise KeyExists("this key is already registered")
    return _row(row), secret


async def find_key(pool: asyncpg.Pool, secret: str) -> AdapterKey | None:
    """The active key with this secret, if any."""
    row = await pool.fetchrow(
        "SELECT * FROM adapter_keys WHERE key_hash = $1 AND revoked_at IS NULL",
        hash_secret(secret))
    return _row(row) if row else None


async def revoke_key(pool: asyncpg.Pool, key_id: str) -> bool:
    """Revoke a key by id; False when there is no such active key."""
    status = await pool.execute(
        "UPDATE adapter_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL",
        key_id)
    return status.endswith(" 1")


async def list_keys(pool: asyncpg.Pool) -> list[AdapterKey]:
    rows = await pool.fetch("SELECT * FROM adapter_keys ORDER BY created_at")
    return [_row(r) for r in rows]
