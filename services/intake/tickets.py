"""Ticket numbers people can read aloud on the phone: PREFIX-YEAR-NNNNNN."""

from __future__ import annotations

import asyncpg

_NEXT = """
INSERT INTO ticket_counters (prefix, year, last) VALUES ($1, $2, 1)
ON CONFLICT (prefix, year) DO UPDATE SET last = ticket_counters.last + 1
RETURNING last
"""


def format_ticket(prefix: str, year: int, number: int) -> str:
    """`KTP-2026-004217`: six digits keep it short; longer numbers simply grow."""
    return f"{prefix}-{year}-{number:06d}"


async def next_ticket(conn: asyncpg.Connection, prefix: str, year: int) -> str:
    """Allocate the next ticket of the year inside the caller's transaction."""
    number = await conn.fetchval(_NEXT, prefix, year)
    return format_ticket(prefix, year, number)
