"""What intake's request handlers share: settings, database pool, producer."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from services.intake.settings import IntakeSettings
from services.runtime.producer import EventProducer


@dataclass
class IntakeState:
    settings: IntakeSettings
    pool: asyncpg.Pool
    producer: EventProducer
