"""One line per event for the case timeline, in plain words (pure; no contact data shown)."""

from __future__ import annotations

import re
from datetime import datetime

from schemas.envelope import Event
from schemas.intake import ComplaintAcknowledged, ComplaintReceived
from schemas.notifications import NotificationDelivered, NotificationFailed, NotificationRequested
from schemas.responses import AgencyResponded, ComplaintResolved
from schemas.routing import (
    AssignComplaint,
    ComplaintAssigned,
    ComplaintExternal,
    ComplaintLinked,
    ComplaintRedirected,
    ComplaintSuppressed,
    ComplaintTriaged,
)
from schemas.sla import (
    SlaBreached,
    SlaEscalated,
    SlaMet,
    SlaPaused,
    SlaResumed,
    SlaStarted,
    SlaStopped,
    SlaWarning,
)

_CODE = re.compile(r"^[a-z][a-z0-9-]{0,63}(:[a-z_]+)?$")  # agency code, maybe with a role
EXCERPT = 60


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The start of a (masked) text on one line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def mask_address(recipient: str) -> str:
    """An agency code as is; a citizen's address (phone, e-mail, URL) reduced to a hint."""
    if _CODE.match(recipient) or "***" in recipient:
        return recipient
    if "@" in recipient:
        local, _, domain = recipient.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"***{recipient[-3:]}" if len(recipient) > 6 else "***"


def _at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%SZ")


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds:.0f} s"


def _decision(event: ComplaintAssigned | ComplaintTriaged | ComplaintSuppressed
              | ComplaintExternal) -> str:
    parts = [p for p in (event.category, event.priority.value,
                         f"confidence {event.confidence:.2f}") if p]
    return ", ".join(parts) + f"; rules {event.rules_version}"


def summarize(event: Event) -> str:
    """What happened, in one line."""
    match event:
        case ComplaintReceived():
            who = "anonymous, " if event.anonymous else ""
            return f"opened {event.ticket} via {event.channel.value} ({who}" \
                   f"kecamatan {event.kecamatan or '?'}): \"{excerpt(event.text)}\""
        case ComplaintAcknowledged():
            how = event.notify_channel.value if event.notify_channel else "no reachable contact"
            return f"citizen to be told ticket {event.ticket} ({how})"
        case ComplaintAssigned():
            chain = f"; held before by {' → '.join(event.agency_chain)}" if event.agency_chain \
                else ""
            return f"assigned to {event.agency} by {event.assigned_by} ({_decision(event)}){chain}"
        case ComplaintTriaged():
            return f"to triage at {event.agency} ({_decision(event)})" + (
                f": {event.reason}" if event.reason else "")
        case ComplaintSuppressed():
            flags = ",".join(f.value for f in event.flags) or "no flag"
            return f"suppressed ({flags}): recorded, not answered ({_decision(event)})"
        case ComplaintExternal():
            return f"outside regency authority: referred to {event.agency}"
        case ComplaintRedirected():
            to = event.to_agency or "triage"
            return f"redirected from {event.from_agency} to {to}: {excerpt(event.reason)}"
        case ComplaintLinked():
            return f"linked to parent {event.parent_ticket or event.parent_complaint_id} " \
                   f"(similarity {event.similarity:.2f}, held by {event.agency or '?'})"
        case AssignComplaint():
            extra = f", priority {event.priority.value}" if event.priority else ""
            note = f": {excerpt(event.note)}" if event.note else ""
            return f"operator {event.operator} commands: assign to {event.agency}{extra}{note}"
        case AgencyResponded():
            to = f" → {event.redirect_to}" if event.redirect_to else ""
            public = "" if event.public else " (internal)"
            return f"{event.agency} answered {event.kind.value}{to}{public}: " \
                   f"\"{excerpt(event.message)}\""
        case ComplaintResolved():
            return f"resolved by {event.agency}" + (
                f": \"{excerpt(event.summary)}\"" if event.summary else "")
        case SlaStarted():
            return f"{event.target.value} clock started for {event.agency}, due " \
                   f"{_at(event.due_at)} (policy {event.policy_version})"
        case SlaWarning():
            return f"{event.target.value} warning at {event.fraction:.0%} for {event.agency}, " \
                   f"due {_at(event.due_at)}"
        case SlaBreached():
            return f"{event.target.value} deadline {_at(event.due_at)} breached by {event.agency}"
        case SlaEscalated():
            return f"escalated to {event.escalate_to} (level {event.level}) for {event.agency}"
        case SlaMet():
            how = {True: "within target", False: "late", None: ""}[event.within_target]
            return f"{event.target.value} clock met by {event.agency} {how} after " \
                   f"{_hours(event.elapsed_seconds)}".replace("  ", " ")
        case SlaStopped():
            return f"{event.target.value} clock of {event.agency} stopped: {event.reason}"
        case SlaPaused():
            return f"{event.target.value} clock of {event.agency} paused (waiting for citizen)"
        case SlaResumed():
            return f"{event.target.value} clock of {event.agency} resumed"
        case NotificationRequested():
            audience = event.audience or "recipient"
            return f"notification requested: {event.template} to {audience} " \
                   f"{mask_address(event.recipient)} via {event.channel.value}"
        case NotificationDelivered():
            return f"notification delivered to {mask_address(event.recipient)} via " \
                   f"{event.channel.value} ({event.attempts} attempt(s))"
        case NotificationFailed():
            return f"notification to {mask_address(event.recipient)} via {event.channel.value} " \
                   f"failed after {event.attempts} attempt(s): {excerpt(event.reason)}"
    return event.type
