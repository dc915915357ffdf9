"""The topic catalogue: every topic's name, key, partitions, retention and the events it carries.

Lifecycle topics keep their events forever (retention.ms=-1): they are the audit trail, and
any projection can be rebuilt by replaying them. Topics that carry personal data are short-lived.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.directory import Directory
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

FOREVER = -1
DAY_MS = 24 * 3600 * 1000

# Who writes and reads a topic: the four services by name, plus parties outside the system.
INTAKE, ROUTER, SLA_SERVICE, NOTIFIER = "intake", "router", "sla", "notifier"
SERVICES = (INTAKE, ROUTER, SLA_SERVICE, NOTIFIER)
ADAPTERS = "adapters"  # channel adapters that cannot call HTTP
OPERATORS = "operators"  # the center's people, who inspect and replay dead letters


def agency_party(code: str) -> str:
    """The party name of an agency that reads its own assignment topic."""
    return f"agency:{code}"


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
    # Parties (service names, ADAPTERS, OPERATORS, agency_party(code)) that write and read it:
    # the source of the AsyncAPI operations and of each principal's ACLs.
    producers: tuple[str, ...] = ()
    consumers: tuple[str, ...] = ()

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
                 "cannot call HTTP; carries contact data", retention_ms=7 * DAY_MS, raw=True,
                 key="channel_message_id",  # adapters know no case id yet
                 producers=(ADAPTERS,), consumers=(INTAKE,))
RECEIVED = _t("complaints.received", (ComplaintReceived,), "a case was opened",
              producers=(INTAKE,), consumers=(ROUTER, INTAKE))
ACKNOWLEDGED = _t("complaints.acknowledged", (ComplaintAcknowledged,),
                  "the citizen is to be told the ticket number", producers=(INTAKE,))
ASSIGNED = _t("complaints.assigned", (ComplaintAssigned,), "an agency holds the case",
              producers=(ROUTER,), consumers=(SLA_SERVICE, NOTIFIER, INTAKE))
TRIAGE = _t("complaints.triage", (ComplaintTriaged,), "the center's triage queue",
            producers=(ROUTER,), consumers=(INTAKE,))
SUPPRESSED = _t("complaints.suppressed", (ComplaintSuppressed,),
                "recorded, not answered: political, spam, abuse, not a complaint",
                producers=(ROUTER,), consumers=(INTAKE,))
EXTERNAL = _t("complaints.external", (ComplaintExternal,), "outside regency authority",
              producers=(ROUTER,), consumers=(INTAKE,))
REDIRECTED = _t("complaints.redirected", (ComplaintRedirected,), "an agency said not ours",
                producers=(ROUTER,), consumers=(SLA_SERVICE, INTAKE))
LINKED = _t("complaints.linked", (ComplaintLinked,), "near-duplicate linked to a parent case",
            producers=(ROUTER,))
COMMANDS = _t("complaints.commands", (AssignComplaint,), "operators' routing commands",
              producers=(INTAKE,), consumers=(ROUTER,))
RESPONSES = _t("complaints.responses", (AgencyResponded, ComplaintResolved),
               "agencies' answers to their cases", producers=(INTAKE,),
               consumers=(ROUTER, SLA_SERVICE, INTAKE))
SLA = _t("sla.clocks", (SlaStarted, SlaWarning, SlaBreached, SlaEscalated, SlaMet, SlaStopped,
                        SlaPaused, SlaResumed), "every SLA clock's life",
         producers=(SLA_SERVICE,), consumers=(NOTIFIER, INTAKE))
NOTIFY_REQUESTS = _t("notifications.requests", (NotificationRequested,),
                     "messages for citizens; carries contact data", retention_ms=7 * DAY_MS,
                     producers=(INTAKE,), consumers=(NOTIFIER,))
NOTIFY_OUTCOMES = _t("notifications.outcomes", (NotificationDelivered, NotificationFailed),
                     "what became of each notification", retention_ms=90 * DAY_MS,
                     producers=(NOTIFIER,))

LIFECYCLE: tuple[TopicSpec, ...] = (
    SUBMISSIONS, RECEIVED, ACKNOWLEDGED, ASSIGNED, TRIAGE, SUPPRESSED, EXTERNAL, REDIRECTED,
    LINKED, COMMANDS, RESPONSES, SLA, NOTIFY_REQUESTS, NOTIFY_OUTCOMES,
)

# Consumed topics get a dead-letter sibling; kept long enough for an operator to act.
DLQ_RETENTION_MS = 90 * DAY_MS


def agency_topic(code: str) -> str:
    """The assignment topic an agency subscribes to."""
    return f"agency.{code}.assignments"


def agency_topics(directory: Directory) -> tuple[TopicSpec, ...]:
    """One assignment topic per agency that can hold a case, derived from the directory."""
    return tuple(
        _t(agency_topic(code), (ComplaintAssigned,), f"assignments of {code}", partitions=3,
           producers=(ROUTER,), consumers=(agency_party(code),))
        for code in directory.assignable()
    )


def dead_letter_topics() -> tuple[TopicSpec, ...]:
    """A dead-letter sibling per lifecycle topic, written by the topic's consumers."""
    return tuple(
        _t(spec.dlq, (), f"records of {spec.name} that could not be accepted", raw=True,
           retention_ms=DLQ_RETENTION_MS, partitions=1, producers=spec.consumers,
           consumers=(OPERATORS,))
        for spec in LIFECYCLE
    )


def catalogue(directory: Directory) -> tuple[TopicSpec, ...]:
    """Every topic the system uses, for the bootstrap command."""
    return LIFECYCLE + agency_topics(directory) + dead_letter_topics()


def spec(name: str) -> TopicSpec:
    """The lifecycle topic with this name."""
    return next(s for s in LIFECYCLE if s.name == name)
