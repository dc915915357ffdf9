"""The routing decision: a pure function from a received complaint to the events it causes.

First rule set of the walking skeleton: a handful of keywords per agency; no match goes to
the center's triage queue. The full Indonesian rule engine replaces `match_agency`.
"""

from __future__ import annotations

from schemas.intake import ComplaintReceived
from schemas.routing import ComplaintAssigned, ComplaintTriaged
from schemas.topics import ASSIGNED, TRIAGE, agency_topic
from services.runtime.producer import Outgoing

RULES_VERSION = "skeleton-1"
KEYWORDS: dict[str, tuple[str, ...]] = {
    "dinas-pupr": ("jalan rusak", "jalan berlubang", "jembatan", "drainase"),
    "dlh": ("sampah",),
    "disdukcapil": ("ktp", "kartu keluarga", "akta"),
    "perumda-air": ("pdam", "air mati", "air keruh"),
}


def match_agency(text: str) -> str | None:
    lowered = text.lower()
    return next((code for code, words in KEYWORDS.items()
                 if any(w in lowered for w in words)), None)


def decide(event: ComplaintReceived, center: str) -> list[Outgoing]:
    """Assign to the matching agency (on the case topic and the agency's own), else triage."""
    agency = match_agency(event.text)
    common = {"ticket": event.ticket, "kecamatan": event.kecamatan, "text": event.text,
              "rules_version": RULES_VERSION}
    if agency is None:
        triaged = ComplaintTriaged(**event.caused("triaged"), agency=center, confidence=0.0,
                                   reason="no rule matched", **common)
        return [(TRIAGE.name, triaged)]
    assigned = ComplaintAssigned(**event.caused("assigned"), agency=agency, **common)
    return [(ASSIGNED.name, assigned), (agency_topic(agency), assigned)]
