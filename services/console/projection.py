"""What each lifecycle event means for the console's view of a case: pure, `event` in, change out.

Topics are read in parallel, so a case's events can arrive out of order across topics (an
assignment before its ComplaintReceived, an edit before either). Facts such as the ticket are
set whenever they come; the status, the text after an edit and the verdict move only forward in
event time (store.py compares `occurred_at`), and a withdrawn case stays withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from schemas.enums import ResponseKind
from schemas.envelope import Event
from schemas.intake import (
    ComplaintEdited,
    ComplaintEnriched,
    ComplaintReceived,
    ComplaintWithdrawn,
)
from schemas.responses import AgencyResponded, ComplaintResolved
from schemas.routing import (
    AssignComplaint,
    ComplaintAssigned,
    ComplaintExternal,
    ComplaintLinked,
    ComplaintRedirected,
    ComplaintSuppressed,
    ComplaintTriaged,
    Decision,
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
from services.console.wording import verdict_label

BY_KIND = {
    ResponseKind.FIRST_RESPONSE: "in_progress",
    ResponseKind.PROGRESS: "in_progress",
    ResponseKind.WAITING_FOR_CITIZEN: "waiting_for_citizen",
    ResponseKind.RESOLVED: "resolved",
    ResponseKind.NOT_OURS: "redirected",
}
TARGET = {"response": "tanggapan", "resolution": "penyelesaian"}
OPEN = frozenset({"received", "triage", "assigned", "in_progress", "waiting_for_citizen",
                  "redirected", "reopened"})
# The agency's holding statuses: its inbox and the SLA board. "reopened" is a new round with
# the same agency, on a new clock.
HELD = ("assigned", "in_progress", "waiting_for_citizen", "reopened")
CLOSED_BY = {"confirmed": "dikonfirmasi warga", "no_reply": "warga tidak menjawab"}


@dataclass(frozen=True)
class Clock:
    """One SLA clock's latest state (clock ids are per complaint, agency and target)."""

    clock_id: str
    agency: str
    target: str
    due_at: datetime
    state: str  # running, paused, met, breached, stopped
    started_at: datetime | None = None
    met_at: datetime | None = None
    within_target: bool | None = None


@dataclass(frozen=True)
class Line:
    """One line of the case's history; `public_*` is what the citizen may read of it."""

    summary: str
    actor: str
    agency: str | None = None
    public_kind: str | None = None
    public_message: str | None = None


@dataclass(frozen=True)
class Verdict:
    """The citizen's latest word on a resolution."""

    solved: bool
    round: int
    reason: str | None = None


@dataclass(frozen=True)
class Change:
    facts: dict[str, object] = field(default_factory=dict)  # set whatever the order
    status: str | None = None
    agency: str | None = None  # the holder, moved together with the status
    clock: Clock | None = None
    line: Line | None = None
    text: str | None = None  # the case's text after an edit or look-up: newest event wins
    verdict: Verdict | None = None


def _decision_facts(event: Decision) -> dict[str, object]:
    return {"ticket": event.ticket, "category": event.category, "kecamatan": event.kecamatan,
            "priority": event.priority.value, "confidence": event.confidence,
            "reason": event.reason, "flags": [f.value for f in event.flags],
            "text": event.text or None}


def change_for(event: Event) -> Change | None:
    """The event's effect on the console's view, or None when it has none."""
    match event:
        case ComplaintReceived():
            facts = {"ticket": event.ticket, "channel": event.channel.value, "text": event.text,
                     "first_text": event.text,
                     "kecamatan": event.kecamatan, "confidential": event.confidential,
                     "anonymous": event.anonymous, "received_at": event.occurred_at,
                     "received_by": event.received_by}
            return Change(facts, "received", None, line=Line(
                f"aduan diterima lewat {event.channel.value}", "intake", None, "received"))
        case ComplaintAssigned():
            who = {"router": "router", "operator": "operator", "redirect": "pengalihan"}
            return Change({**_decision_facts(event), "agency_chain": list(event.agency_chain),
                           "parent_complaint_id": event.parent_complaint_id},
                          "assigned", event.agency, line=Line(
                f"ditugaskan ke {event.agency} oleh {who[event.assigned_by]}: {event.reason}",
                "router", event.agency, "assigned"))
        case ComplaintTriaged():
            return Change(_decision_facts(event), "triage", event.agency, line=Line(
                f"masuk antrean telaah (keyakinan {event.confidence:.0%}): {event.reason}",
                "router", event.agency, "triage"))
        case ComplaintSuppressed():
            flags = ", ".join(f.value for f in event.flags) or "tanpa tanda"
            return Change(_decision_facts(event), "not_answered", event.agency, line=Line(
                f"dicatat tanpa tindak lanjut ({flags}): {event.reason}", "router",
                event.agency, "not_answered"))
        case ComplaintExternal():
            return Change(_decision_facts(event), "external", event.agency, line=Line(
                f"di luar kewenangan kabupaten, ke {event.agency}: {event.reason}", "router",
                event.agency, "external", event.citizen_message or None))
        case ComplaintRedirected():
            to = event.to_agency or "antrean telaah"
            return Change({"ticket": event.ticket, "agency_chain": list(event.agency_chain),
                           "last_redirect_reason": event.reason,
                           "last_redirect_from": event.from_agency},
                          "redirected", event.to_agency, line=Line(
                f"{event.from_agency}: bukan wewenang kami, ke {to}. Alasan: {event.reason}",
                "router", event.from_agency, "redirected"))
        case ComplaintLinked():
            return Change({"parent_complaint_id": event.parent_complaint_id,
                           "parent_ticket": event.parent_ticket}, line=Line(
                f"ditautkan sebagai duplikat {event.parent_ticket or event.parent_complaint_id}"
                f" (kemiripan {event.similarity:.0%})", "router", event.agency))
        case AssignComplaint():
            note = f": {event.note}" if event.note else ""
            return Change(line=Line(f"perintah operator {event.operator}: tugaskan ke "
                                    f"{event.agency}{note}", "console", event.agency))
        case AgencyResponded():
            public = (event.kind.value, event.message) if event.public else (None, None)
            return Change({"first_answer_at": event.occurred_at}, BY_KIND[event.kind],
                          event.agency, line=Line(
                f"jawaban {event.agency} ({event.kind.value}): {event.message}",
                event.responder or event.agency, event.agency, *public))
        case ComplaintResolved():
            return Change({}, "resolved", event.agency, line=Line(
                f"diselesaikan oleh {event.agency}", event.agency, event.agency, "resolved",
                event.summary or None))
    return _citizen_change(event) or _clock_change(event)


def _citizen_change(event: Event) -> Change | None:
    """The citizen's loop: verdict, re-opening, closing, and edits or withdrawal of the text."""
    match event:
        case CitizenVerdict():
            why = f": {event.reason}" if event.reason else ""
            return Change(verdict=Verdict(event.solved, event.round, event.reason or None),
                          line=Line(f"{verdict_label(event.solved)} (putaran {event.round}, "
                                    f"{event.agency}){why}", "warga", event.agency,
                                    "verdict_solved" if event.solved else "verdict_not_solved"))
        case ComplaintReopened():
            why = f": {event.reason}" if event.reason else ""
            return Change({"round": event.round}, "reopened", event.agency, line=Line(
                f"dibuka kembali untuk {event.agency}, putaran {event.round}{why}", "intake",
                event.agency, "reopened"))
        case ComplaintClosed():
            return Change({"round": event.round, "closed_reason": event.reason}, "closed",
                          event.agency, line=Line(
                f"ditutup ({CLOSED_BY[event.reason]})", "intake", event.agency, "closed"))
        case ComplaintEdited():
            return Change({"ticket": event.ticket, "channel": event.channel.value},
                          text=event.text, line=Line("isi aduan diubah pelapor", "intake",
                                                     None, "edited"))
        case ComplaintEnriched():
            # A stored WhatsApp media keeps the text; the line says what was added.
            what = ("lampiran tersimpan" if event.lookup == "whatsapp_media"
                    else f"isi aduan dilengkapi ({event.lookup})")
            return Change({"ticket": event.ticket, "channel": event.channel.value},
                          text=event.text, line=Line(what, "intake"))
        case ComplaintWithdrawn():
            return Change({"ticket": event.ticket, "channel": event.channel.value,
                           "withdrawn_reason": event.reason}, "withdrawn", line=Line(
                f"dicabut pelapor ({event.reason})", "intake", None, "withdrawn"))
    return None


def _clock_change(event: Event) -> Change | None:
    match event:
        case SlaStarted():
            return Change(clock=Clock(event.clock_id, event.agency, event.target.value,
                                      event.due_at, "running", started_at=event.started_at),
                          line=Line(f"jam {TARGET[event.target.value]} {event.agency} mulai",
                                    "sla", event.agency))
        case SlaMet():
            on_time = (event.within_target if event.within_target is not None
                       else event.met_at <= event.due_at)
            return Change(clock=Clock(event.clock_id, event.agency, event.target.value,
                                      event.due_at, "met", met_at=event.met_at,
                                      within_target=on_time),
                          line=Line(f"jam {TARGET[event.target.value]} {event.agency} terpenuhi"
                                    + ("" if on_time else " (terlambat)"), "sla", event.agency))
        case SlaBreached():
            return Change(clock=Clock(event.clock_id, event.agency, event.target.value,
                                      event.due_at, "breached"),
                          line=Line(f"tenggat {TARGET[event.target.value]} {event.agency}"
                                    " terlewati", "sla", event.agency))
        case SlaStopped():
            return Change(clock=Clock(event.clock_id, event.agency, event.target.value,
                                      event.due_at, "stopped"),
                          line=Line(f"jam {event.agency} dihentikan: {event.reason}", "sla",
                                    event.agency))
        case SlaPaused() | SlaResumed():
            state = "paused" if isinstance(event, SlaPaused) else "running"
            return Change(clock=Clock(event.clock_id, event.agency, event.target.value,
                                      event.due_at, state),
                          line=Line(f"jam {event.agency} "
                                    + ("dijeda" if state == "paused" else "berjalan lagi"),
                                    "sla", event.agency))
        case SlaWarning() | SlaEscalated():
            return Change(line=Line(f"peringatan tenggat {event.agency}", "sla", event.agency))
    return None
