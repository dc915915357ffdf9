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


_REGISTER_MANY = """
INSERT INTO reporters (reporter_id, identity, name, phone, email, handle, channel)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::text[])
ON CONFLICT (identity) DO UPDATE SET
    name = coalesce(EXCLUDED.name, reporters.name),
    phone = coalesce(EXCLUDED.phone, reporters.phone),
    email = coalesce(EXCLUDED.email, reporters.email),
    handle = coalesce(EXCLUDED.handle, reporters.handle), updated_at = now()
RETURNING identity, reporter_id
"""


async def register_many(conn: asyncpg.Connection, identities: list[Identity]) -> dict[str, str]:
    """register() for several submissions in one statement: identity key -> reporter id."""
    merged: dict[str, Identity] = {}
    for identity in identities:  # one row per identity: an upsert cannot touch a row twice
        seen = merged.get(identity.key)
        merged[identity.key] = identity if seen is None else Identity(
            identity.key, seen.channel, identity.name or seen.name,
            identity.phone or seen.phone, identity.email or seen.email,
            identity.handle or seen.handle)
    if not merged:
        return {}
    rows = list(merged.values())
    found = await conn.fetch(
        _REGISTER_MANY, ["r-" + secrets.token_hex(12) for _ in rows], [i.key for i in rows],
        [i.name for i in rows], [i.phone for i in rows], [i.email for i in rows],
        [i.handle for i in rows], [i.channel.value for i in rows])
    return {r["identity"]: r["reporter_id"] for r in found}
