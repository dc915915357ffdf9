"""Ticket numbers people can read aloud on the phone: PREFIX-YEAR-NNNNNN."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg


def format_ticket(prefix: str, year: int, number: int) -> str:
    """`KTP-2026-004217`: six digits keep it short; longer numbers simply grow."""
    return f"{prefix}-{year}-{number:06d}"


def ticket_year(now: datetime, timezone: str) -> int:
    """The year on the regency's calendar: a complaint at 03:00 WIB on 1 January is next year's."""
    return now.astimezone(ZoneInfo(timezone)).year


async def next_ticket(conn: asyncpg.Connection, prefix: str, year: int) -> str:
    """The next ticket of the year (unique and increasing; see migration 006 on gaps)."""
    number = await conn.fetchval("SELECT next_ticket_number($1, $2)", prefix, year)
    return format_ticket(prefix, year, number)


async def next_tickets(conn: asyncpg.Connection, prefix: str, year: int, count: int) -> list[str]:
    """`count` next tickets of the year in one statement, in increasing order."""
    numbers = await conn.fetch(
        "SELECT next_ticket_number($1, $2) AS n FROM generate_series(1, $3)", prefix, year, count)
    return [format_ticket(prefix, year, n) for n in sorted(r["n"] for r in numbers)]
