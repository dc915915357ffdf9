"""The citizen registry: who reported, under a random pseudonym that events may carry."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import asyncpg

from schemas.enums import Channel
from schemas.intake import ComplaintSubmission
from services.intake.cases.masking import normalized_phone


@dataclass(frozen=True)
class Identity:
    """A citizen's contact as one submission gives it; `key` is the same on every channel."""

    key: str
    channel: Channel
    name: str | None = None
    phone: str | None = None  # E.164
    email: str | None = None
    handle: str | None = None


def identify(submission: ComplaintSubmission) -> Identity | None:
    """The reporter's identity, preferring phone, then e-mail, then the channel account."""
    reporter = submission.reporter
    phone = normalized_phone(reporter.phone)
    email = reporter.email.strip().lower() if reporter.email and "@" in reporter.email else None
    handle = reporter.handle.strip() if reporter.handle and reporter.handle.strip() else None
    if phone:
        key = f"tel:{phone}"
    elif email:
        key = f"mailto:{email}"
    elif handle:
        key = f"{submission.channel.value}:{handle}"
    else:
        return None
    return Identity(key, submission.channel, reporter.name, phone, email, handle)


async def register(conn: asyncpg.Connection, identity: Identity) -> str:
    """The reporter id of this identity, recording it (or its newer details) in the registry."""
    return await conn.fetchval(
        "INSERT INTO reporters (reporter_id, identity, name, phone, email, handle, channel)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (identity) DO UPDATE SET"
        " name = coalesce(EXCLUDED.name, reporters.name),"
        " phone = coalesce(EXCLUDED.phone, reporters.phone),"
        " email = coalesce(EXCLUDED.email, reporters.email),"
        " handle = coalesce(EXCLUDED.handle, reporters.handle), updated_at = now()"
        " RETURNING reporter_id",
        "r-" + secrets.token_hex(12), identity.key, identity.name, identity.phone,
        identity.email, identity.handle, identity.channel.value)
