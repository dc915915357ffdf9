"""What intake's request handlers and consumers share: settings, pool, producer, clients."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

import asyncpg
import httpx
from fastapi import Depends, Request

from services.intake.access.ratelimit import RateLimiter
from services.intake.cases.group import CaseGroups
from services.intake.channels.open311 import ServiceCatalogue
from services.intake.settings import IntakeSettings
from services.runtime.producer import EventProducer


@dataclass
class IntakeState:
    settings: IntakeSettings
    pool: asyncpg.Pool
    producer: EventProducer
    http: httpx.AsyncClient  # reads back what a webhook only points at (Instagram mentions)
    services: ServiceCatalogue
    center: str  # the complaint center's agency code
    timezone: str  # the regency's, for the year in ticket numbers
    limiter: RateLimiter = field(default_factory=RateLimiter)
    groups: CaseGroups | None = None  # group commit of new cases; None: one by one


async def get_state(request: Request) -> IntakeState:
    # async: FastAPI runs a plain-def dependency in a worker thread, per request
    return request.app.state.intake  # type: ignore[no-any-return]


StateDep = Annotated[IntakeState, Depends(get_state)]
