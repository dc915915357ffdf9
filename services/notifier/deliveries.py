"""The delivery log: which (event, recipient) pairs were already delivered."""

from __future__ import annotations

import uuid

import asyncpg


async def already_delivered(pool: asyncpg.Pool, event_id: uuid.UUID, recipient: str) -> bool:
    status = await pool.fetchval(
        "SELECT status FROM deliveries WHERE event_id = $1 AND recipient = $2", event_id, recipient)
    return status == "delivered"


async def record(pool: asyncpg.Pool, event_id: uuid.UUID, recipient: str, channel: str,
                 status: str, attempts: int, error: str | None = None) -> None:
    await pool.execute(
        "INSERT INTO deliveries (event_id, recipient, channel, status, attempts, last_error,"
        " delivered_at) VALUES ($1, $2, $3, $4, $5, $6,"
        " CASE WHEN $4 = 'delivered' THEN now() END)"
        " ON CONFLICT (event_id, recipient) DO UPDATE SET status = $4, attempts = $5,"
        " last_error = $6, delivered_at = CASE WHEN $4 = 'delivered' THEN now() END",
        event_id, recipient, channel, status, attempts, error)
