"""Agencies' API keys: generated once, stored as a SHA-256 hash, bound to one agency."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.intake.access.credentials import hash_secret, new_secret

AGENCY_KEY_PREFIX = "tga_"  # adapters' keys start with tgk_: a key says what it is for


@dataclass(frozen=True)
class AgencyKey:
    key_id: str
    agency: str
    label: str
    created_at: datetime | None = None
    revoked_at: datetime | None = None


def bearer_secret(authorization: str | None) -> str | None:
    """The key of an `Authorization: Bearer tga_...` header, or None."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value.startswith(AGENCY_KEY_PREFIX):
        return None
    return value


def _row(row: asyncpg.Record) -> AgencyKey:
    return AgencyKey(row["key_id"], row["agency"], row["label"], row["created_at"],
                     row["revoked_at"])


async def create_agency_key(pool: asyncpg.Pool, agency: str, label: str) -> tuple[AgencyKey, str]:
    """Register a new key for an agency; the secret is returned once and never stored."""
    secret = new_secret(AGENCY_KEY_PREFIX)
    row = await pool.fetchrow(
        "INSERT INTO agency_keys (key_id, agency, label, key_hash) VALUES ($1, $2, $3, $4)"
        " RETURNING *", "ak-" + secrets.token_hex(6), agency, label, hash_secret(secret))
    return _row(row), secret


async def find_agency_key(pool: asyncpg.Pool, secret: str) -> AgencyKey | None:
    """The active key with this secret, if any."""
    row = await pool.fetchrow(
        "SELECT * FROM agency_keys WHERE key_hash = $1 AND revoked_at IS NULL",
        hash_secret(secret))
    return _row(row) if row else None


async def revoke_agency_key(pool: asyncpg.Pool, key_id: str) -> bool:
    status = await pool.execute(
        "UPDATE agency_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL",
        key_id)
    return status.endswith(" 1")


async def list_agency_keys(pool: asyncpg.Pool) -> list[AgencyKey]:
    rows = await pool.fetch("SELECT * FROM agency_keys ORDER BY agency, created_at")
    return [_row(r) for r in rows]
