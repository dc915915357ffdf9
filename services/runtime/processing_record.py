"""The record of processing activities (UU PDP), generated from the catalogue and the settings.

Kafka topics come from the catalogue: their retention, and who may write and read them from
the ACL plan, so the record cannot drift from what the broker enforces. The databases are
declared here beside the settings that bound their retention.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from schemas.directory import Directory
from schemas.topics import DAY_MS, NOTIFY_REQUESTS, SUBMISSIONS, TopicSpec, catalogue
from services.runtime.acl_plan import Naming, plan

CONTACT = "citizen contact data: name, phone, e-mail, social-media handle"
MASKED = ("case facts with personal data masked in the text; pseudonymous reporter id; "
          "agency codes")
PURPOSE = ("handling complaints about public services: routing to the responsible agency, "
           "service-level clocks, notices to the citizen")


@dataclass(frozen=True)
class Holding:
    where: str
    kind: str  # kafka topic | database table | process memory
    data: str
    retention: str
    writers: tuple[str, ...]
    readers: tuple[str, ...]


def _retention(spec: TopicSpec) -> str:
    if spec.retention_ms < 0:
        return "kept (audit trail; no raw personal data)"
    return f"{spec.retention_ms // DAY_MS} days"


def _data(spec: TopicSpec) -> str:
    if spec.name in (SUBMISSIONS.name, NOTIFY_REQUESTS.name):
        return CONTACT + " (the citizen's address and, for notices, their name)"
    if spec.name == SUBMISSIONS.dlq:
        return "refused submissions, contact fields redacted and text masked"
    if spec.name == NOTIFY_REQUESTS.dlq:
        return "undeliverable notices; recipient replaced by a case reference"
    return MASKED


def topic_holdings(naming: Naming, directory: Directory) -> list[Holding]:
    acls = plan(naming, directory)

    def who(name: str, operation: str) -> tuple[str, ...]:
        return tuple(sorted({a.principal.removeprefix("User:") for a in acls
                             if a.resource == "topic" and a.name == name
                             and a.operation == operation}))

    return [Holding(naming.topic(s.name), "kafka topic", _data(s), _retention(s),
                    who(naming.topic(s.name), "write"), who(naming.topic(s.name), "read"))
            for s in catalogue(directory)]


def store_holdings(contact_retention_days: int) -> list[Holding]:
    erased = (f"erased {contact_retention_days} days after the reporter's last report, or on "
              "request (tanggap privacy erase TICKET)" if contact_retention_days > 0
              else "kept until erased on request (retention sweep off)")
    return [
        Holding("intake.reporters", "database table", CONTACT, erased, ("intake",),
                ("intake",)),
        Holding("intake.cases (recipient, reply_context)", "database table",
                "where to send the case's notices", erased, ("intake",), ("intake",)),
        Holding("intake.outbox (notifications.requests rows)", "database table",
                "notices before Kafka acknowledged them", erased + "; erased with the contact",
                ("intake",), ("intake",)),
        Holding("intake.erasures", "database table",
                "record of erasures: ticket, pseudonymous id, when, by whom; no personal data",
                "kept", ("intake",), ("intake", "operators")),
        Holding("notifier.delivery_log", "database table",
                "delivery attempts; recipient as a case reference or agency code", "kept",
                ("notifier",), ("notifier",)),
        Holding("Faust tables of router, sla, notifier", "process memory",
                MASKED + "; the web server exposes no table contents", "process lifetime",
                ("router", "sla", "notifier"), ("router", "sla", "notifier")),
    ]


def processing_record(naming: Naming, directory: Directory,
                      contact_retention_days: int) -> dict[str, Any]:
    """The whole record, as one JSON-ready document."""
    return {
        "controller": directory.regency.name,
        "purpose": PURPOSE,
        "data_subjects": "citizens who report a complaint",
        "recipients": "the regency's agencies, each only its own cases (own Kafka topic and "
                      "consumer groups); the complaint center",
        "safeguards": ["SASL/SCRAM authentication and per-principal ACLs on Kafka "
                       "(tanggap acl plan)", "personal data masked in complaint text",
                       "contact data only in intake's registry and the short-lived "
                       "contact topics", "erasure at the end of retention and on request"],
        "breach_notice": "notify the data subjects and the authority within 3 x 24 hours "
                         "(UU PDP art. 46)",
        "holdings": [asdict(h) for h in topic_holdings(naming, directory)
                     + store_holdings(contact_retention_days)],
    }
