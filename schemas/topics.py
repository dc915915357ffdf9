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
from schemas.verdicts import CitizenVerdict, ComplaintClosed, ComplaintReopened

FOREVER = -1
# The parties that connect to Kafka: the services and channel adapters that cannot call HTTP
# (they write raw submissions). Agencies are parties too, as `agency:<code>`. The audit service
# reads every lifecycle topic that carries cases, and their dead letters (AUDITED below). The
# console writes the same commands and answers as intake's endpoints, for its signed-in staff.
SERVICES = ("intake", "router", "sla", "notifier", "audit", "console", "adapter")
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
    # Who writes and who reads the topic: service names (SERVICES), or `agency:<code>` for an
    # agency's own client. The one source for the ACLs (services/runtime/acl_plan.py) and the
    # API documents; a dead-letter topic is written by its source topic's consumers.
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
                 producers=("adapter",), consumers=("intake",))
RECEIVED = _t("complaints.received", (ComplaintReceived,), "a case was opened",
              producers=("intake",), consumers=("router", "intake", "console"))
UPDATED = _t("complaints.updated", (ComplaintEdited, ComplaintEnriched, ComplaintWithdrawn),
              "a case's content changed after it opened: edited or withdrawn by the citizen, "
              "or completed by a deferred look-up", producers=("intake",),
              consumers=("router", "sla", "intake", "console"))
ACKNOWLEDGED = _t("complaints.acknowledged", (ComplaintAcknowledged,),
                  "the citizen is to be told the ticket number", producers=("intake",))
ASSIGNED = _t("complaints.assigned", (ComplaintAssigned,), "an agency holds the case",
              producers=("router",), consumers=("sla", "notifier", "intake", "console"))
TRIAGE = _t("complaints.triage", (ComplaintTriaged,), "the center's triage queue",
            producers=("router",), consumers=("intake", "console"))
SUPPRESSED = _t("complaints.suppressed", (ComplaintSuppressed,),
                "recorded, not answered: political, spam, abuse, not a complaint",
                producers=("router",), consumers=("intake", "console"))
EXTERNAL = _t("complaints.external", (ComplaintExternal,), "outside regency authority",
              producers=("router",), consumers=("intake", "console"))
REDIRECTED = _t("complaints.redirected", (ComplaintRedirected,), "an agency said not ours",
                producers=("router",), consumers=("sla", "intake", "console"))
LINKED = _t("complaints.linked", (ComplaintLinked,), "near-duplicate linked to a parent case",
            producers=("router", "console"), consumers=("console",))
COMMANDS = _t("complaints.commands", (AssignComplaint,), "operators' routing commands",
              producers=("intake", "console"), consumers=("router", "console"))
# Agencies answer through intake's HTTP API (their agency keys): a direct write here would let
# one agency answer for another's case.
RESPONSES = _t("complaints.responses", (AgencyResponded, ComplaintResolved, CitizenVerdict,
                                        ComplaintReopened, ComplaintClosed),
               "agencies' answers to their cases, and the citizens' verdicts on them",
               producers=("intake", "console"),
               consumers=("router", "sla", "intake", "console"))
SLA = _t("sla.clocks", (SlaStarted, SlaWarning, SlaBreached, SlaEscalated, SlaMet, SlaStopped,
                        SlaPaused, SlaResumed), "every SLA clock's life",
         producers=("sla",), consumers=("notifier", "intake", "console"))
NOTIFY_REQUESTS = _t("notifications.requests", (NotificationRequested,),
                     "messages for citizens; carries contact data", retention_ms=7 * DAY_MS,
                     producers=("intake",), consumers=("notifier",))
NOTIFY_OUTCOMES = _t("notifications.outcomes", (NotificationDelivered, NotificationFailed),
                     "what became of each notification", retention_ms=90 * DAY_MS,
                     producers=("notifier",))

LIFECYCLE: tuple[TopicSpec, ...] = (
    SUBMISSIONS, RECEIVED, UPDATED, ACKNOWLEDGED, ASSIGNED, TRIAGE, SUPPRESSED, EXTERNAL,
    REDIRECTED, LINKED, COMMANDS, RESPONSES, SLA, NOTIFY_REQUESTS, NOTIFY_OUTCOMES,
)
# What the audit service indexes (with their dead letters): every topic that carries cases,
# except raw submissions (no case yet) and notification requests (they carry contact data,
# which only intake and the notifier may read; their outcomes carry a reference instead).
AUDITED: tuple[TopicSpec, ...] = tuple(s for s in LIFECYCLE
                                       if not s.raw and s is not NOTIFY_REQUESTS)

# Consumed topics get a dead-letter sibling; kept long enough for an operator to act.
DLQ_RETENTION_MS = 90 * DAY_MS


def agency_topic(code: str) -> str:
    """The assignment topic an agency subscribes to."""
    return f"agency.{code}.assignments"


def agency_party(code: str) -> str:
    """The party name of an agency's own Kafka client in producers/consumers."""
    return f"agency:{code}"


def agency_topics(directory: Directory) -> tuple[TopicSpec, ...]:
    """One assignment topic per agency that can hold a case, derived from the directory."""
    return tuple(
        _t(agency_topic(code), (ComplaintAssigned, ComplaintEdited, ComplaintEnriched,
                                ComplaintWithdrawn),
           f"assignments of {code}, and what the citizen changed in the cases it holds",
           partitions=3,
           producers=("router",), consumers=(agency_party(code),))
        for code in directory.assignable()
    )


def dead_letter_topics() -> tuple[TopicSpec, ...]:
    return tuple(
        _t(spec.dlq, (), f"records of {spec.name} that could not be accepted", raw=True,
           retention_ms=DLQ_RETENTION_MS, partitions=1, producers=spec.consumers)
        for spec in LIFECYCLE
    )


def catalogue(directory: Directory) -> tuple[TopicSpec, ...]:
    """Every topic the system uses, for the bootstrap command."""
    return LIFECYCLE + agency_topics(directory) + dead_letter_topics()


def spec(name: str) -> TopicSpec:
    """The lifecycle topic with this name."""
    return next(s for s in LIFECYCLE if s.name == name)
