"""The topic catalogue: every topic's name, key, partitions, retention and the events it carries.

Lifecycle topics keep their events forever (retention.ms=-1): they are the audit trail, and
any projection can be rebuilt by replaying them. Topics that carry personal data are short-lived.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.directory import Directory
from schemas.envelope import Event
from schemas.intake import (
    ComplaintAcknowledged,
    ComplaintEdited,
    ComplaintEnriched,
    ComplaintReceived,
    ComplaintWithdrawn,
)
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

FOREVER = -1
DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    name: str
    carries: tuple[type[Event], ...]
    description: str
    key: str = "complaint_id"
    partitions: int = 6
    retention_ms: int = FOREVER
    cleanup_policy: str = "delete"
    raw: bool = False  # carries non-event records (raw channel submissions, dead letters)

    def config(self) -> dict[str, str]:
        """Broker-side topic configuration."""
        return {"retention.ms": str(self.retention_ms), "cleanup.policy": self.cleanup_policy}

    @property
    def dlq(self) -> str:
        return dead_letter(self.name)


def dead_letter(name: str) -> str:
    """Dead-letter topic of a consumed topic."""
    return f"{name}.dlq"


def _t(name: str, carries: tuple[type[Event], ...], description: str, **kw: object) -> TopicSpec:
    return TopicSpec(name, carries, description, **kw)  # type: ignore[arg-type]


SUBMISSIONS = _t("complaints.submissions", (), "raw channel submissions from adapters that "
                 "cannot call HTTP; carries contact data", retention_ms=7 * DAY_MS, raw=True)
RECEIVED = _t("complaints.received", (ComplaintReceived,), "a case was opened")
UPDATED = _t("complaints.updated", (ComplaintEdited, ComplaintEnriched, ComplaintWithdrawn),
              "a case's content changed after it opened: edited or withdrawn by the citizen, "
              "or completed by a deferred look-up")
ACKNOWLEDGED = _t("complaints.acknowledged", (ComplaintAcknowledged,),
                  "the citizen is to be told the ticket number")
ASSIGNED = _t("complaints.assigned", (ComplaintAssigned,), "an agency holds the case")
TRIAGE = _t("complaints.triage", (ComplaintTriaged,), "the center's triage queue")
SUPPRESSED = _t("complaints.suppressed", (ComplaintSuppressed,),
                "recorded, not answered: political, spam, abuse, not a complaint")
EXTERNAL = _t("complaints.external", (ComplaintExternal,), "outside regency authority")
REDIRECTED = _t("complaints.redirected", (ComplaintRedirected,), "an agency said not ours")
LINKED = _t("complaints.linked", (ComplaintLinked,), "near-duplicate linked to a parent case")
COMMANDS = _t("complaints.commands", (AssignComplaint,), "operators' routing commands")
RESPONSES = _t("complaints.responses", (AgencyResponded, ComplaintResolved),
               "agencies' answers to their cases")
SLA = _t("sla.clocks", (SlaStarted, SlaWarning, SlaBreached, SlaEscalated, SlaMet, SlaStopped,
                        SlaPaused, SlaResumed), "every SLA clock's life")
NOTIFY_REQUESTS = _t("notifications.requests", (NotificationRequested,),
                     "messages for citizens; carries contact data", retention_ms=7 * DAY_MS)
NOTIFY_OUTCOMES = _t("notifications.outcomes", (NotificationDelivered, NotificationFailed),
                     "what became of each notification", retention_ms=90 * DAY_MS)

LIFECYCLE: tuple[TopicSpec, ...] = (
    SUBMISSIONS, RECEIVED, UPDATED, ACKNOWLEDGED, ASSIGNED, TRIAGE, SUPPRESSED, EXTERNAL,
    REDIRECTED, LINKED, COMMANDS, RESPONSES, SLA, NOTIFY_REQUESTS, NOTIFY_OUTCOMES,
)

# Consumed topics get a dead-letter sibling; kept long enough for an operator to act.
DLQ_RETENTION_MS = 90 * DAY_MS


def agency_topic(code: str) -> str:
    """The assignment topic an agency subscribes to."""
    return f"agency.{code}.assignments"


def agency_topics(directory: Directory) -> tuple[TopicSpec, ...]:
    """One assignment topic per agency that can hold a case, derived from the directory."""
    return tuple(
        _t(agency_topic(code), (ComplaintAssigned,), f"assignments of {code}", partitions=3)
        for code in directory.assignable()
    )


def dead_letter_topics() -> tuple[TopicSpec, ...]:
    return tuple(
        _t(spec.dlq, (), f"records of {spec.name} that could not be accepted", raw=True,
           retention_ms=DLQ_RETENTION_MS, partitions=1)
        for spec in LIFECYCLE
    )


def catalogue(directory: Directory) -> tuple[TopicSpec, ...]:
    """Every topic the system uses, for the bootstrap command."""
    return LIFECYCLE + agency_topics(directory) + dead_letter_topics()


def spec(name: str) -> TopicSpec:
    """The lifecycle topic with this name."""
    return next(s for s in LIFECYCLE if s.name == name)
