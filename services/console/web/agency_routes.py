"""An agency's inbox (one column, works on a phone): its open cases with time left, and its
on-time and late counts this month."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console import store
from services.console.access import Can
from services.console.state import ConsoleState, StateDep
from services.console.web.deps import Session, render, require

router = APIRouter(prefix="/instansi")
INBOX = require(Can.INBOX)
# How long a case the citizen withdrew stays in its holder's inbox, marked, so that the staff
# see why it left instead of losing it silently.
WITHDRAWN_SHOWN = timedelta(days=7)


async def inbox(state: ConsoleState, agency: str) -> dict:
    now = state.now()
    local = now.astimezone(state.formats.zone)
    month_start = datetime(local.year, local.month, 1, tzinfo=state.formats.zone)
    on_time, late = await store.month_counts(state.pool, agency, month_start)
    rows = await store.open_held(state.pool, now, agency, withdrawn_since=now - WITHDRAWN_SHOWN)
    return {"rows": rows, "on_time": on_time,
            "late": late, "agency": agency}


@router.get("")
async def inbox_page(request: Request, state: StateDep, current: Session = INBOX) -> Response:
    assert current.user.agency is not None
    return render(request, state, "inbox.html", {
        **await inbox(state, current.user.agency),
        "message": state.signer.read_flash(request.query_params.get("pesan"))}, current)


@router.get("/isi")
async def inbox_fragment(request: Request, state: StateDep, current: Session = INBOX
                         ) -> Response:
    assert current.user.agency is not None
    return render(request, state, "_inbox_rows.html", await inbox(state, current.user.agency),
                  current)
