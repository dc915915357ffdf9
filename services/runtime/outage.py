"""Riding out a database outage: a restart or a failover is over in seconds, a crash is not.

A consumer whose database went away used to crash before commit (services/runtime/crash.py),
which loses nothing but needs a supervisor to come back. Every handler is idempotent to a
redelivered batch, so running the same step again once the database answers is the same as
that redelivery, without the restart. Past the limit the error is raised as before.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
from prometheus_client import Counter

log = logging.getLogger(__name__)
T = TypeVar("T")

# A lost or refused connection (OSError covers refused and reset sockets), a server shutting
# down or starting (OperatorInterventionError, CannotConnectNowError), a pool whose connection
# died under it (InterfaceError; InternalClientError "cannot switch to state ...; another
# operation is in progress", seen on a connection the server closed mid-operation during a
# restart in the fault suite). Not a constraint or syntax error: those are bugs.
DATABASE_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError, asyncpg.PostgresConnectionError, asyncpg.OperatorInterventionError,
    asyncpg.InterfaceError, asyncpg.InternalClientError)
LIMIT_SECONDS = 120.0  # per process: configure() from TANGGAP_DATABASE_OUTAGE_SECONDS
RETRIES = Counter("tanggap_database_retries_total",
                  "Steps run again because the database was unavailable", ["step"])


# The process's pools (services/runtime/database.py registers them): after an outage their
# connections are replaced, since one the server closed mid-operation can stay in a bad state.
# (asyncpg pools take no weak reference; closed ones are dropped here when next seen.)
POOLS: list[asyncpg.Pool] = []


def configure(seconds: float) -> None:
    """Set the process's outage limit (each service does at start, from its settings)."""
    global LIMIT_SECONDS
    LIMIT_SECONDS = seconds


async def riding_out(attempt: Callable[[], Awaitable[T]], step: str,
                     limit: float | None = None) -> T:
    """Run `attempt`, again after a backoff (0.5 s doubling to 5 s) while the database is
    unavailable, for at most `limit` seconds in all; then the last error is raised."""
    limit = LIMIT_SECONDS if limit is None else limit
    began, delay = time.monotonic(), 0.5
    while True:
        try:
            return await attempt()
        except DATABASE_UNAVAILABLE as exc:
            if time.monotonic() - began + delay > limit:
                raise
            RETRIES.labels(step=step).inc()
            log.warning("%s: database unavailable (%r), again in %.1f s", step, exc, delay)
            await asyncio.sleep(delay)
            POOLS[:] = [pool for pool in POOLS if not pool.is_closing()]
            for pool in POOLS:
                await pool.expire_connections()
            delay = min(delay * 2, 5.0)
