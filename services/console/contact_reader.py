"""The reporter's contact, read from intake (GET /v1/cases/{ticket}/contact, an operator key)
for center staff who give a reason: intake keeps contact data and records each read; it never
travels on the topics the console reads."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Contact:
    """What intake answered: the contact, or why there is none (`outcome`)."""

    outcome: str  # shown, anonymous, none, erased, unavailable, refused
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    handle: str | None = None
    channel: str | None = None
    confidential: bool = False
    access_id: str | None = None
    detail: str | None = None


ContactReader = Callable[[str, str, str], Awaitable[Contact]]  # ticket, reason, username


def contact_from(code: int, body: dict[str, Any]) -> Contact:
    """Intake's answer as the case page shows it; no field of an error body is trusted."""
    if code == 200:
        return Contact(str(body.get("outcome", "none")), body.get("name"), body.get("phone"),
                       body.get("email"), body.get("handle"), body.get("channel"),
                       bool(body.get("confidential")), body.get("access_id"))
    detail = body.get("detail")
    text = detail if isinstance(detail, str) else None
    if code == 410:
        return Contact("erased", detail=text)
    if code in (401, 403, 404, 422):
        return Contact("refused", detail=f"intake menolak (HTTP {code}): {text or '-'}")
    return Contact("unavailable", detail=f"intake menjawab HTTP {code}")


def intake_contact_reader(http: httpx.AsyncClient, base_url: str, key: str) -> ContactReader:
    """A ContactReader that asks intake with the console's operator key, for a named user."""
    async def read(ticket: str, reason: str, username: str) -> Contact:
        try:
            answer = await http.get(
                f"{base_url.rstrip('/')}/v1/cases/{quote(ticket, safe='')}/contact",
                params={"reason": reason},
                headers={"X-Operator-Key": key, "X-On-Behalf-Of": username}, timeout=5.0)
        except httpx.HTTPError as exc:
            log.warning("intake contact of %s unavailable: %r", ticket, exc)
            return Contact("unavailable", detail="intake tidak menjawab; coba lagi sebentar")
        try:
            body = answer.json()
        except ValueError:
            body = {}
        return contact_from(answer.status_code, body if isinstance(body, dict) else {})

    return read


async def not_configured(ticket: str, reason: str, username: str) -> Contact:
    """The stand-in when no operator key for intake is configured."""
    return Contact("unavailable", detail="konsol belum diberi kunci operator intake "
                                         "(TANGGAP_CONSOLE_INTAKE_OPERATOR_KEY)")
