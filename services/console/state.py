"""What the console's routes share, built in the lifespan (nothing connects at import)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated

import asyncpg
import httpx
import yaml
from fastapi import Depends, Request

from schemas.directory import Directory
from schemas.envelope import utcnow
from services.console.contact_reader import ContactReader, not_configured
from services.console.ratelimit import Buckets
from services.console.security import Hasher, Signer
from services.console.settings import ConsoleSettings
from services.console.timeline import DEFAULT_READER, TimelineReader
from services.console.wording import Formats
from services.runtime.producer import EventProducer


@dataclass
class ConsoleState:
    settings: ConsoleSettings
    pool: asyncpg.Pool
    producer: EventProducer
    http: httpx.AsyncClient
    directory: Directory
    hasher: Hasher
    signer: Signer
    formats: Formats
    signin_limits: Buckets  # per username
    address_limits: Buckets  # sign-in per address
    status_limits: Buckets
    suggestions: dict[str, str]  # router category -> agency, for the triage queue
    kecamatan: list[tuple[str, str]]  # (code, name) for the forms
    timeline: TimelineReader = DEFAULT_READER
    contact: ContactReader = not_configured  # the reporter's contact, from intake
    now: Callable[[], datetime] = field(default=utcnow)  # tests freeze the clock here

    @property
    def tenant(self) -> str:
        return self.settings.tenant

    def agency_name(self, code: str | None) -> str:
        agency = self.directory.get(code) if code else None
        return agency.name if agency else (code or "-")

    def holders(self) -> list[tuple[str, str]]:
        """(code, name) of every agency that can hold a case, the center excepted."""
        return [(a.code, a.name) for a in self.directory.agencies
                if a.kind in ("agency", "district") and a.code != self.directory.regency.center]


def tenant_lists(settings: ConsoleSettings) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The router's category -> agency table and the kecamatan, read from the tenant's files."""
    folder = Path(settings.tenants_dir) / settings.tenant
    routing = yaml.safe_load((folder / "routing.yaml").read_text(encoding="utf-8")) or {}
    suggestions = {c["name"]: c["agency"] for c in routing.get("categories", [])
                   if isinstance(c, dict) and "agency" in c}
    kecamatan = [(a.code, a.name) for a in settings.directory().agencies if a.kind == "district"]
    return suggestions, kecamatan


def get_state(request: Request) -> ConsoleState:
    return request.app.state.console


StateDep = Annotated[ConsoleState, Depends(get_state)]
