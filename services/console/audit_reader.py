"""The case timeline from the audit service's reader of the log (GET /v1/cases/{ref}/timeline
on :8005, an operator key), plugged into the console's one timeline seam; when the audit
service is not configured or does not answer, the console's own projection stands in."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

import asyncpg
import httpx

from services.console.timeline import Entry, TimelineReader

log = logging.getLogger(__name__)


def entries_from(body: dict[str, Any], complaint_id: str) -> list[Entry]:
    """The audit answer's events of this case (never the raw records, which quote the text)."""
    entries = []
    for case in body.get("cases", []):
        if case.get("complaint_id") != complaint_id:
            continue
        for event in case.get("events", []):
            cause = event.get("causation_id")
            entries.append(Entry(
                at=datetime.fromisoformat(event["occurred_at"]), type=str(event["type"]),
                topic=str(event.get("topic", "")), producer=str(event.get("service", "")),
                summary=str(event.get("summary", "")), event_id=uuid.UUID(event["event_id"]),
                cause=uuid.UUID(cause) if cause else None, source="log (audit)"))
    return entries


def audit_reader(http: httpx.AsyncClient, base_url: str, key: str,
                 fallback: TimelineReader) -> TimelineReader:
    """A TimelineReader that asks the audit service first."""
    async def read(pool: asyncpg.Pool, complaint_id: str) -> list[Entry]:
        try:
            answer = await http.get(f"{base_url.rstrip('/')}/v1/cases/{complaint_id}/timeline",
                                    headers={"X-Operator-Key": key}, timeout=5.0)
        except httpx.HTTPError as exc:
            log.warning("audit timeline of %s unavailable: %r", complaint_id, exc)
            return await fallback(pool, complaint_id)
        if answer.status_code != 200:
            log.warning("audit timeline of %s: HTTP %s", complaint_id, answer.status_code)
            return await fallback(pool, complaint_id)
        return entries_from(answer.json(), complaint_id) or await fallback(pool, complaint_id)

    return read
