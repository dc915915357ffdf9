"""Operators' and agencies' actions as the same commands and events intake's endpoints produce.

Each action's event id is derived from the form's one-time token, so a form submitted twice
(a double click, a retried request) is the same event, which every consumer applies once.
"""

from __future__ import annotations

from datetime import datetime

from schemas.enums import ResponseKind
from schemas.envelope import derived_id
from schemas.responses import AgencyResponded, ComplaintResolved
from schemas.routing import AssignComplaint, ComplaintLinked
from schemas.topics import COMMANDS, LINKED, RESPONSES
from services.runtime.producer import Outgoing


class Refused(ValueError):
    """The action cannot be taken; the message names the field and is shown to the user."""


def _reason(reason: str | None, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise Refused(f"alasan wajib diisi untuk {what}")
    if len(text) > 1000:
        raise Refused("alasan paling panjang 1000 karakter")
    return text


def assign(tenant: str, complaint_id: str, agency: str, operator: str, reason: str | None,
           token: str, agencies: set[str]) -> Outgoing:
    """AssignComplaint on complaints.commands: completes triage, or redirects a held case."""
    if agency not in agencies:
        raise Refused(f"instansi {agency!r} tidak dikenal")
    note = _reason(reason, "penugasan")
    command = AssignComplaint(event_id=derived_id("console-assign", complaint_id, token),
                              tenant=tenant, complaint_id=complaint_id, agency=agency,
                              operator=operator, note=note)
    return COMMANDS.name, command


def link(tenant: str, complaint_id: str, ticket: str | None, parent_id: str,
         parent_ticket: str | None, parent_agency: str | None, token: str) -> Outgoing:
    """ComplaintLinked on complaints.linked: an operator's duplicate is certain (similarity 1)."""
    if parent_id == complaint_id:
        raise Refused("kasus tidak bisa menjadi duplikat dirinya sendiri")
    event = ComplaintLinked(event_id=derived_id("console-link", complaint_id, token),
                            tenant=tenant, complaint_id=complaint_id,
                            parent_complaint_id=parent_id, similarity=1.0, ticket=ticket,
                            parent_ticket=parent_ticket, agency=parent_agency)
    return LINKED.name, event


def answer(tenant: str, complaint_id: str, agency: str, responder: str, kind: ResponseKind,
           message: str | None, token: str, now: datetime,
           redirect_to: str | None = None) -> list[Outgoing]:
    """AgencyResponded on complaints.responses, and ComplaintResolved for a resolution."""
    text = (message or "").strip()
    if kind is ResponseKind.NOT_OURS:
        text = _reason(text, "bukan wewenang kami")
    elif not text:
        raise Refused("isi jawaban wajib diisi")
    if len(text) > 4000:
        raise Refused("jawaban paling panjang 4000 karakter")
    responded = AgencyResponded(
        event_id=derived_id("console-answer", agency, complaint_id, token), tenant=tenant,
        occurred_at=now, complaint_id=complaint_id, agency=agency, kind=kind, message=text,
        public=True, redirect_to=redirect_to if kind is ResponseKind.NOT_OURS else None,
        responder=responder)
    outgoing: list[Outgoing] = [(RESPONSES.name, responded)]
    if kind is ResponseKind.RESOLVED:
        resolved = ComplaintResolved(**responded.caused("resolved"), occurred_at=now,
                                     agency=agency, summary=text)
        outgoing.append((RESPONSES.name, resolved))
    return outgoing
