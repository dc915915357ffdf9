"""The citizen's status page: plain Indonesian, no names or numbers, works without JavaScript,
rate-limited per address; a confidential case shows its status only."""

from __future__ import annotations

import re
import time

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response

from services.console import store
from services.console.state import ConsoleState, StateDep
from services.console.web.deps import render
from services.console.wording import status_label, without_numbers

router = APIRouter(prefix="/lapor")
TICKET = re.compile(r"^[A-Za-z0-9-]{1,32}$")
# The center's and agencies' internal text can quote the citizen; the page shows the
# agency's public answers only, and for a confidential case not even those.
PUBLIC_KINDS = {"received", "triage", "assigned", "redirected", "first_response", "progress",
                "waiting_for_citizen", "resolved", "not_answered", "external", "verdict_solved",
                "verdict_not_solved", "reopened", "closed", "edited", "withdrawn"}
ANSWER_KINDS = {"first_response", "progress", "waiting_for_citizen", "resolved", "external"}


def limit(request: Request, state: ConsoleState) -> None:
    address = request.client.host if request.client else "-"
    wait = state.status_limits.take(address, time.monotonic())
    if wait > 0:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "terlalu banyak permintaan, "
                            "coba lagi sebentar lagi", headers={"Retry-After": str(int(wait) + 1)})


@router.get("")
async def ticket_form(request: Request, state: StateDep) -> Response:
    """The form to type a ticket; `?tiket=` (the form, without JavaScript) goes to its page."""
    ticket = (request.query_params.get("tiket") or "").strip().upper()
    if ticket:
        if not TICKET.match(ticket):
            return render(request, state, "lapor_form.html", {
                "error": "Nomor tiket hanya berisi huruf, angka dan tanda hubung."},
                status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
        return RedirectResponse(f"/lapor/{ticket}", status.HTTP_303_SEE_OTHER)
    return render(request, state, "lapor_form.html", {})


@router.get("/{ticket}")
async def status_page(ticket: str, request: Request, state: StateDep) -> Response:
    limit(request, state)
    if not TICKET.match(ticket):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "ticket: bentuk tidak sah")
    row = await store.case(state.pool, ticket.upper(), state.now())
    if row is None or row["ticket"] != ticket.upper():  # a complaint id is not a ticket
        return render(request, state, "lapor_form.html", {
            "error": f"Tiket {ticket} tidak ditemukan. Periksa kembali nomornya; aduan yang "
                     "baru masuk bisa perlu beberapa saat."}, status_code=404)
    lines = []
    if not row["confidential"]:
        for event in await store.history(state.pool, row["complaint_id"]):
            kind = event["public_kind"]
            if kind in PUBLIC_KINDS:
                message = event["public_message"] if kind in ANSWER_KINDS else None
                lines.append({"at": event["occurred_at"], "kind": kind,
                              "message": without_numbers(message)})
    return render(request, state, "lapor.html", {
        "ticket": row["ticket"], "status": status_label(row["status"]),
        "agency": state.agency_name(row["agency"]) if row["agency"] else None,
        "confidential": row["confidential"], "lines": lines}, None)
