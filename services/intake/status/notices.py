"""What the citizen is told and how: acknowledgement with the ticket, answers, redirections.

Only intake knows the contact, so intake raises the NotificationRequested events (on a
short-lived topic) that the notifier sends; agencies' topics never see the address.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.enums import Channel, NotificationChannel
from schemas.envelope import Event
from schemas.intake import ComplaintAcknowledged, ComplaintReceived
from schemas.notifications import NotificationRequested
from schemas.responses import AgencyResponded
from schemas.routing import ComplaintExternal
from schemas.topics import ACKNOWLEDGED, NOTIFY_REQUESTS
from services.intake.cases.reporters import Identity
from services.runtime.producer import Outgoing

SOCIAL = {Channel.INSTAGRAM, Channel.FACEBOOK, Channel.X, Channel.TIKTOK}
Context = dict[str, str | int | float | bool | None]


@dataclass(frozen=True)
class Contact:
    """Where notices about one case go; channel None means nobody can be told."""

    channel: NotificationChannel | None = None
    recipient: str | None = None
    context: Context = field(default_factory=dict)


def contact_for(origin: Channel, identity: Identity | None, message_id: str,
                center: str) -> Contact:
    """Answer on the channel the complaint came from, with the citizen's other way as fallback.

    A social-media citizen gets a public reply under their own comment or post; if it cannot
    land (deleted, private, replies closed), the notifier uses their phone or e-mail when
    known, else the center's operators, who pass it on by hand.
    """
    if identity is None:
        return Contact()
    named: Context = {"name": identity.name}
    email = Contact(NotificationChannel.EMAIL, identity.email, named) if identity.email else None
    phone = (Contact(NotificationChannel.WHATSAPP, identity.phone, named)
             if identity.phone else None)
    if origin is Channel.EMAIL and email:
        return _with_fallback(email, {"in_reply_to": message_id}, phone, center)
    if origin is Channel.WHATSAPP and phone:
        return _with_fallback(phone, {"reply_to": message_id}, email, center)
    if origin in SOCIAL and message_id:
        social = Contact(NotificationChannel(origin.value), message_id,
                         named | {"handle": identity.handle})
        return _with_fallback(social, {"reply_to": message_id}, phone or email, center)
    if email and not phone:
        return email
    if phone:
        return _with_fallback(phone, {}, email, center)
    return Contact()


def _with_fallback(contact: Contact, reply: Context, other: Contact | None,
                   center: str) -> Contact:
    fallback = (other.channel, other.recipient) if other else (NotificationChannel.WEBHOOK,
                                                                 center)
    return Contact(contact.channel, contact.recipient,
                   contact.context | reply | {"fallback_channel": str(fallback[0]),
                                              "fallback_recipient": fallback[1]})


def acknowledgement(received: ComplaintReceived, contact: Contact) -> list[Outgoing]:
    """The acknowledgement fact and, when someone can be told, the notice that carries it."""
    ack = ComplaintAcknowledged(**received.caused("acknowledged"), ticket=received.ticket,
                                channel=received.channel, reporter_id=received.reporter_id,
                                notify_channel=contact.channel)
    notice = _notice(received, "citizen_ack", received.ticket, contact,
                     {"origin": received.channel.value})
    return [(ACKNOWLEDGED.name, ack)] + ([(NOTIFY_REQUESTS.name, notice)] if notice else [])


def notifies(event: Event) -> bool:
    """Whether the event can cause a notice to the citizen (so its contact is needed)."""
    return isinstance(event, AgencyResponded | ComplaintExternal)


def answer_notice(event: Event, ticket: str, contact: Contact) -> NotificationRequested | None:
    """The notice relaying an agency's public answer or an outside-authority redirection."""
    if isinstance(event, AgencyResponded) and event.public:
        return _notice(event, "citizen_answer", ticket, contact,
                       {"agency": event.agency, "kind": event.kind.value,
                        "message": event.message})
    if isinstance(event, ComplaintExternal):
        return _notice(event, "citizen_external", ticket, contact,
                       {"agency": event.agency, "message": event.citizen_message})
    return None


def _notice(cause: Event, template: str, ticket: str, contact: Contact,
            extra: Context) -> NotificationRequested | None:
    if contact.channel is None or contact.recipient is None:
        return None
    context: Context = {"ticket": ticket, "complaint_id": cause.complaint_id,
                        **contact.context, **extra}
    # Derived id: a replayed cause yields the same notice, which the notifier de-duplicates.
    return NotificationRequested(**cause.caused(f"notify:{template}"), channel=contact.channel,
                                 recipient=contact.recipient, template=template,
                                 context=context)
