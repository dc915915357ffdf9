"""Accounts, sessions and claims in the console's schema."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from services.console.access import Role, User


class UserExists(Exception):
    """An account with this username is already there."""


def _user(row: asyncpg.Record) -> User:
    return User(row["username"], row["display_name"], Role(row["role"]), row["agency"])


async def create_user(pool: asyncpg.Pool, username: str, display_name: str, role: Role,
                      agency: str | None, password_hash: str) -> None:
    try:
        await pool.execute(
            "INSERT INTO users (username, display_name, role, agency, password_hash)"
            " VALUES ($1, $2, $3, $4, $5)", username, display_name, role.value, agency,
            password_hash)
    except asyncpg.UniqueViolationError:
        raise UserExists(username) from None


async def set_password(pool: asyncpg.Pool, username: str, password_hash: str) -> bool:
    """Replace a password and reactivate the account (used by `make run`'s demo accounts)."""
    done = await pool.execute("UPDATE users SET password_hash = $2, active = true"
                              " WHERE username = $1", username, password_hash)
    return done.endswith("1")


async def disable_user(pool: asyncpg.Pool, username: str) -> bool:
    """Disable an account and end its sessions at once."""
    async with pool.acquire() as conn, conn.transaction():
        done = await conn.execute("UPDATE users SET active = false WHERE username = $1",
                                  username)
        await conn.execute("DELETE FROM sessions WHERE username = $1", username)
        await conn.execute("DELETE FROM claims WHERE username = $1", username)
    return done.endswith("1")


async def list_users(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT username, display_name, role, agency, active FROM users"
                            " ORDER BY role, username")


async def password_hash(pool: asyncpg.Pool, username: str) -> str | None:
    """The hash of an active account, or None."""
    return await pool.fetchval("SELECT password_hash FROM users WHERE username = $1"
                               " AND active", username)


async def open_session(pool: asyncpg.Pool, session_id: str, username: str,
                       expires_at: datetime) -> None:
    await pool.execute("INSERT INTO sessions (session_id, username, expires_at)"
                       " VALUES ($1, $2, $3)", session_id, username, expires_at)


async def session_user(pool: asyncpg.Pool, session_id: str, now: datetime) -> User | None:
    """The active user of a live session."""
    row = await pool.fetchrow(
        "SELECT u.* FROM sessions s JOIN users u USING (username)"
        " WHERE s.session_id = $1 AND s.expires_at > $2 AND u.active", session_id, now)
    return _user(row) if row else None


async def close_session(pool: asyncpg.Pool, session_id: str) -> None:
    await pool.execute("DELETE FROM sessions WHERE session_id = $1", session_id)


async def claim(pool: asyncpg.Pool, complaint_id: str, username: str, now: datetime,
                hold: timedelta) -> str:
    """Claim a case for `hold`; returns who holds it afterwards (someone else's live claim wins)."""
    return await pool.fetchval(
        "INSERT INTO claims (complaint_id, username, expires_at) VALUES ($1, $2, $3)"
        " ON CONFLICT (complaint_id) DO UPDATE SET username = EXCLUDED.username,"
        " expires_at = EXCLUDED.expires_at"
        " WHERE claims.username = EXCLUDED.username OR claims.expires_at <= $4"
        " RETURNING username", complaint_id, username, now + hold, now
    ) or await pool.fetchval("SELECT username FROM claims WHERE complaint_id = $1", complaint_id)


async def release(pool: asyncpg.Pool, complaint_id: str, username: str | None) -> None:
    """Release a claim: one's own (username given), or any (a supervisor, None)."""
    await pool.execute("DELETE FROM claims WHERE complaint_id = $1"
                       " AND ($2::text IS NULL OR username = $2)", complaint_id, username)


async def holder_of_claim(pool: asyncpg.Pool, complaint_id: str, now: datetime) -> str | None:
    return await pool.fetchval("SELECT username FROM claims WHERE complaint_id = $1"
                               " AND expires_at > $2", complaint_id, now)
