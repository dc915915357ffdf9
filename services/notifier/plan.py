"""Which notifications a lifecycle event calls for: pure functions from events to requests.

Each planned request gets an id derived from its cause, template, audience and channel, so a
redelivered event plans exactly the same requests and the delivery log recognises them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from schemas.directory import Directory
from schemas.enums import Flag, NotificationChannel
from schemas.envelope import Event
from schemas.notifications import NotificationRequested
from schemas.routing import ComplaintAssigned
from schemas.sla import SlaBreached, SlaEscalated, SlaWarning
from services.notifier.contacts import AGENCY, HEAD, channels_for

Context = dict[str, str | int | float | bool | None]
HEAD_OF_AGENCY = "head_of_agency"  # SlaEscalated.escalate_to for the first escalation level


@dataclass(frozen=True)
class Reach:
    """What planning needs to know about the world: directory, enabled channels, overrides."""

    directory: Directory
    enabled: frozenset[NotificationChannel]
    webhook_override: Callable[[str], str | None]

    def channels(self, code: str, audience: str) -> list[NotificationChannel]:
        override = self.webhook_override(code) if audience == AGENCY else None
        return channels_for(self.directory, code, audience, self.enabled, override)

    def agency_name(self, code: str) -> str:
        agency = self.directory.get(code)
        return agency.name if agency else code


def _requests(cause: Event, reach: Reach, agency: str, audiences: list[str], template: str,
              context: Context) -> list[NotificationRequested]:
    planned = []
    for audience in audiences:
        for channel in reach.channels(agency, audience):
            planned.append(NotificationRequested(
                **cause.caused(f"notify:{template}:{audience}:{channel}"),
                channel=channel, recipient=agency, audience=audience, template=template,
                context=context))
    return planned


def for_assignment(event: ComplaintAssigned, reach: Reach) -> list[NotificationRequested]:
    """A new case for the agency's desk; negative news also straight to the head of agency."""
    context: Context = {
        "ticket": event.ticket, "complaint_id": event.complaint_id, "agency": event.agency,
        "agency_name": reach.agency_name(event.agency), "category": event.category,
        "kecamatan": event.kecamatan, "priority": str(event.priority), "text": event.text,
        "assigned_by": event.assigned_by,
        "negative_news": Flag.NEGATIVE_NEWS in event.flags,
    }
    planned = _requests(event, reach, event.agency, [AGENCY], "agency_assigned", context)
    if Flag.NEGATIVE_NEWS in event.flags:
        planned += _requests(event, reach, event.agency, [HEAD], "head_negative_news", context)
    return planned


CLOCK_STAGES = (SlaWarning, SlaBreached, SlaEscalated)  # the clock events anyone is told of


def for_clock(event: Event, reach: Reach, ticket: str | None) -> list[NotificationRequested]:
    """Warning to the desk; breach to the desk and the head; escalation to its level's role."""
    if not isinstance(event, CLOCK_STAGES):
        return []
    context: Context = {
        "ticket": ticket, "complaint_id": event.complaint_id, "agency": event.agency,
        "agency_name": reach.agency_name(event.agency), "target": str(event.target),
        "due_at": event.due_at.isoformat(),
    }
    if isinstance(event, SlaWarning):
        context["fraction"] = event.fraction
        return _requests(event, reach, event.agency, [AGENCY], "sla_warning", context)
    if isinstance(event, SlaBreached):
        return _requests(event, reach, event.agency, [AGENCY, HEAD], "sla_breached", context)
    context["level"] = event.level
    context["escalate_to"] = event.escalate_to
    audience = HEAD if event.escalate_to == HEAD_OF_AGENCY else event.escalate_to
    return _requests(event, reach, event.agency, [audience], "sla_escalated", context)
