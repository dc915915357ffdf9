"""Who to reach: agency and regency contacts from the directory, resolved per channel."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from schemas.directory import Directory
from schemas.enums import NotificationChannel
from schemas.notifications import NotificationRequested

CITIZEN = "citizen"
AGENCY = "agency"
HEAD = "head"


class Person(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    title: str | None = None
    name: str | None = None
    email: str | None = None
    whatsapp: str | None = None


class AgencyContacts(BaseModel):
    """The `contacts` entry of an agency in agencies.yaml."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    webhook: str | None = None
    email: str | None = None
    whatsapp: str | None = None
    head: Person | None = None


@dataclass(frozen=True)
class Destination:
    """Where one message goes: the address to use and the label that may be logged."""

    address: str
    label: str  # agency code and audience, or a masked citizen address: safe for logs/events
    trusted: bool = False  # set by the operator in settings: exempt from the address policy


class Unreachable(Exception):
    """No address for this recipient on this channel; the reason says which is missing."""


def mask(address: str) -> str:
    """A citizen's address reduced to what an operator needs to recognise it."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:2]}***@{domain}"
    if address.startswith(("http://", "https://")):
        return address.split("?")[0][:120]
    return f"{address[:4]}****{address[-3:]}" if len(address) > 7 else "****"


def agency_contacts(directory: Directory, code: str) -> AgencyContacts | None:
    agency = directory.get(code)
    if agency is None:
        return None
    return AgencyContacts.model_validate((agency.model_extra or {}).get("contacts") or {})


def _person_address(person: Person | None, channel: NotificationChannel) -> str | None:
    if person is None:
        return None
    return {NotificationChannel.EMAIL: person.email,
            NotificationChannel.WHATSAPP: person.whatsapp}.get(channel)


def agency_address(directory: Directory, code: str, audience: str,
                   channel: NotificationChannel, webhook_override: str | None) -> Destination:
    """The address of an agency's desk, its head, or a regency role, on one channel."""
    label = f"{code}:{audience}"
    if audience == AGENCY and channel is NotificationChannel.WEBHOOK and webhook_override:
        return Destination(webhook_override, label, trusted=True)
    contacts = agency_contacts(directory, code)
    if contacts is None:
        raise Unreachable(f"unknown agency {code!r}")
    if audience == AGENCY:
        address = {NotificationChannel.WEBHOOK: contacts.webhook,
                   NotificationChannel.EMAIL: contacts.email,
                   NotificationChannel.WHATSAPP: contacts.whatsapp}[channel]
    elif audience == HEAD:
        address = _person_address(contacts.head, channel)
    else:
        roles = (directory.regency.model_extra or {}).get("contacts") or {}
        role = roles.get(audience)
        address = _person_address(Person.model_validate(role), channel) if role else None
        label = f"regency:{audience}"
    if not address:
        raise Unreachable(f"{label} has no {channel} contact")
    return Destination(address, label)


def destination(request: NotificationRequested, directory: Directory,
                webhook_override: str | None) -> Destination:
    """Resolve a request's recipient: an agency code through the directory, else an address."""
    if directory.get(request.recipient) is not None:
        audience = request.audience if request.audience not in (None, CITIZEN) else AGENCY
        return agency_address(directory, request.recipient, audience or AGENCY, request.channel,
                              webhook_override)
    return Destination(request.recipient, mask(request.recipient))


def channels_for(directory: Directory, code: str, audience: str,
                 enabled: frozenset[NotificationChannel],
                 webhook_override: str | None) -> list[NotificationChannel]:
    """The enabled channels on which this agency audience can be reached, webhook first."""
    found = []
    for channel in (NotificationChannel.WEBHOOK, NotificationChannel.EMAIL,
                    NotificationChannel.WHATSAPP):
        if channel not in enabled:
            continue
        try:
            agency_address(directory, code, audience, channel, webhook_override)
        except Unreachable:
            continue
        found.append(channel)
    return found


# Context values intake adds about the citizen; the rest (ticket, agency, message) is not theirs.
PERSONAL_CONTEXT = frozenset({"name", "handle", "email", "phone", "fallback_recipient"})


def recipient_reference(request: NotificationRequested, directory: Directory,
                        label: str | None = None) -> str:
    """Who a notification was for, never their address: an agency's code and audience, or
    the case, through which intake's contact registry knows the citizen."""
    if directory.get(request.recipient) is not None:
        return label or request.recipient
    return f"citizen:{request.complaint_id}"


def redacted(request: NotificationRequested, directory: Directory) -> NotificationRequested:
    """The request as a dead letter keeps it: a reference instead of the citizen's address
    and no personal context; replaying it goes through intake, which knows the contact."""
    if directory.get(request.recipient) is not None and not PERSONAL_CONTEXT & set(
            k for k, v in request.context.items() if v):
        return request
    context = {k: ("[redacted]" if k in PERSONAL_CONTEXT and v else v)
               for k, v in request.context.items()}
    return request.model_copy(update={"recipient": recipient_reference(request, directory),
                                      "context": context})
