"""Downloaded media in intake's PostgreSQL: the bytes once per sha256, linked to each case.

A regency's volume is small (hundreds of photos and voice notes a day, a few MB each), so the
bytes sit in a bytea column beside the cases: one backup, one access check, no second store.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class StoredMedia:
    complaint_id: str
    ticket: str
    sha256: str
    mime_type: str
    size: int
    holder: str | None  # the agency holding the case now, from intake's status view
    content: bytes


async def keep(pool: asyncpg.Pool, complaint_id: str, media_id: str, kind: str, sha256: str,
               mime_type: str, content: bytes) -> None:
    """Store the bytes (once per content) and link them to the case; a repeat changes nothing."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO media_blobs (sha256, mime_type, size, content) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (sha256) DO NOTHING", sha256, mime_type, len(content), content)
        await conn.execute(
            "INSERT INTO case_media (complaint_id, sha256, media_id, kind) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (complaint_id, sha256) DO NOTHING", complaint_id, sha256, media_id,
            kind)


_FIND = """
SELECT c.complaint_id, c.ticket, b.sha256, b.mime_type, b.size, s.agency, b.content
FROM cases c
JOIN case_media m ON m.complaint_id = c.complaint_id
JOIN media_blobs b ON b.sha256 = m.sha256
LEFT JOIN case_status s ON s.complaint_id = c.complaint_id
WHERE (c.ticket = $1 OR c.complaint_id = $1) AND m.sha256 = $2
LIMIT 1
"""


async def find(pool: asyncpg.Pool, case: str, sha256: str) -> StoredMedia | None:
    """The media of a case (by ticket or complaint id), with who holds the case now."""
    row = await pool.fetchrow(_FIND, case, sha256)
    if row is None:
        return None
    return StoredMedia(row["complaint_id"], row["ticket"], row["sha256"], row["mime_type"],
                       row["size"], row["agency"], bytes(row["content"]))
