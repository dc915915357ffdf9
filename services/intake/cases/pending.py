"""Edits and withdrawals that came before their original message, kept until it arrives.

Meta does not promise order: a revoke can reach us before the message it revokes. It is kept
here (keyed by channel and the original's id) and applied once the original opened its case
(services/intake/cases/amend.py, apply_waiting), so the log shows both: opened, withdrawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from schemas.enums import Channel
from services.intake.channels.inbound import Amendment

MessageKey = tuple[str, str]  # (channel, the original message's id)


def to_json(amendment: Amendment) -> str:
    """What is kept of an amendment (what it opens is not needed: the original will)."""
    return orjson.dumps({
        "kind": amendment.kind, "channel": amendment.channel.value, "target": amendment.target,
        "change_id": amendment.change_id, "text": amendment.text, "reason": amendment.reason,
        "occurred_at": amendment.occurred_at.isoformat() if amendment.occurred_at else None,
        "reporter_identity": amendment.reporter_identity}).decode()


def from_json(raw: str | bytes) -> Amendment:
    data: dict[str, Any] = orjson.loads(raw)
    when = data.get("occurred_at")
    return Amendment(data["kind"], Channel(data["channel"]), data["target"], data["change_id"],
                     text=data.get("text"), reason=data.get("reason"),
                     occurred_at=datetime.fromisoformat(when) if when else None,
                     reporter_identity=data.get("reporter_identity"))


async def keep(pool: asyncpg.Pool, amendment: Amendment) -> None:
    """Keep an amendment of a message not seen yet; its redelivery keeps nothing new."""
    await pool.execute(
        "INSERT INTO pending_amendments (channel, target, change_id, amendment)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", amendment.channel.value,
        amendment.target, amendment.change_id, to_json(amendment))


async def waiting(pool: asyncpg.Pool, keys: Sequence[MessageKey]) -> list[Amendment]:
    """The amendments waiting for these messages, in the order they arrived (one query)."""
    if not keys:
        return []
    rows = await pool.fetch(
        "SELECT p.amendment FROM pending_amendments p"
        " JOIN unnest($1::text[], $2::text[]) AS m(channel, target)"
        " ON p.channel = m.channel AND p.target = m.target ORDER BY p.created_at, p.change_id",
        [k[0] for k in keys], [k[1] for k in keys])
    return [from_json(r["amendment"]) for r in rows]


async def done(pool: asyncpg.Pool, amendment: Amendment) -> None:
    """The amendment took effect on its case (only then: a crash before leaves it to redo)."""
    await pool.execute(
        "DELETE FROM pending_amendments WHERE channel = $1 AND target = $2 AND change_id = $3",
        amendment.channel.value, amendment.target, amendment.change_id)
