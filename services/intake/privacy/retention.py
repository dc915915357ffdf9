"""The retention sweep that runs inside intake: erase contact data whose time is up."""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from schemas.envelope import utcnow
from services.intake.privacy.erasure import erase_expired
from services.intake.settings import IntakeSettings

log = logging.getLogger(__name__)


async def sweep_retention(pool: asyncpg.Pool, settings: IntakeSettings) -> None:
    """Every privacy_sweep_seconds, erase reporters older than the retention, until cancelled."""
    if settings.contact_retention_days <= 0:
        return
    while True:
        try:
            while erased := await erase_expired(pool, settings.contact_retention_days, utcnow()):
                log.info("retention: erased contact data of %d reporters", len(erased))
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("retention sweep failed, next in %ss: %s",
                        settings.privacy_sweep_seconds, exc)
        await asyncio.sleep(settings.privacy_sweep_seconds)
