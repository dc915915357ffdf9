"""The center's screens: triage queue, bulk assignment, SLA board, search and CSV, audit view."""

from __future__ import annotations

import csv
import io
import secrets
from collections import defaultdict
from datetime import datetime, time, timedelta
from itertools import groupby

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response

from services.console import commands, metrics, store
from services.console.access import Can
from services.console.countdown import badge
from services.console.state import ConsoleState, StateDep
from services.console.web.deps import FormDep, Session, form_text, render, require
from services.console.wording import status_label

router = APIRouter(prefix="/operator")
TRIAGE = require(Can.TRIAGE)
MONITOR = require(Can.MONITOR)
AUDIT = require(Can.AUDIT)


def queue_rows(state: ConsoleState, rows: list) -> list[dict]:
    """Queue rows with the router's suggested agency (from its category) beside them."""
    return [{**dict(r), "suggested": state.suggestions.get(r["category"] or "")} for r in rows]


@router.get("/antrian")
async def queue_page(request: Request, state: StateDep, current: Session = TRIAGE) -> Response:
    sent = request.query_params.get("terkirim", "")[:6]
    rows = queue_rows(state, await store.triage_queue(state.pool, state.now()))
    return render(request, state, "queue.html", {"rows": rows, "holders": state.holders(),
                                                 "token": secrets.token_urlsafe(12),
                                                 "sent": sent if sent.isdigit() else None},
                  current)


@router.get("/antrian/isi")
async def queue_fragment(request: Request, state: StateDep, current: Session = TRIAGE
                         ) -> Response:
    rows = queue_rows(state, await store.triage_queue(state.pool, state.now()))
    return render(request, state, "_queue_rows.html", {"rows": rows}, current)


@router.post("/tugaskan-massal")
async def bulk_assign(form: FormDep, state: StateDep, current: Session = TRIAGE) -> Response:
    """Assign every ticked case to one agency, with one reason: one command per case."""
    ids = [i for i in form.get("ids[]", []) if isinstance(i, str)]
    if not ids:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "pilih minimal satu kasus")
    agency = form_text(form, "agency") or ""
    token = form_text(form, "token") or secrets.token_urlsafe(12)
    codes = {code for code, _ in state.holders()}
    try:
        outgoing = [commands.assign(state.tenant, cid, agency, current.user.username,
                                    form_text(form, "reason"), f"{token}:{cid}", codes)
                    for cid in ids]
    except commands.Refused as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    await state.producer.send_many(outgoing)
    metrics.ACTIONS.labels(action="bulk_assign", role=current.user.role.value).inc(len(ids))
    return RedirectResponse(f"/operator/antrian?terkirim={len(ids)}", status.HTTP_303_SEE_OTHER)


async def board(state: ConsoleState) -> list[tuple[str, list[dict]]]:
    """Open held cases grouped by agency; groups and cases sorted by time left."""
    now = state.now()
    rows = [{**dict(r), "badge": badge(r["due_at"], r["clock_state"], now)}
            for r in await store.open_held(state.pool, now)]
    far = float("inf")
    rows.sort(key=lambda r: (r["badge"].seconds_left if r["badge"].seconds_left is not None
                             else far))
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row["agency"]].append(row)
    return sorted(groups.items(), key=lambda g: (g[1][0]["badge"].seconds_left
                                                 if g[1][0]["badge"].seconds_left is not None
                                                 else far))


@router.get("/sla")
async def sla_page(request: Request, state: StateDep, current: Session = MONITOR) -> Response:
    return render(request, state, "sla.html", {"groups": await board(state)}, current)


@router.get("/sla/isi")
async def sla_fragment(request: Request, state: StateDep, current: Session = MONITOR
                       ) -> Response:
    return render(request, state, "_sla_groups.html", {"groups": await board(state)}, current)


def parse_filter(request: Request, state: ConsoleState) -> store.Filter:
    """The search form's fields; dates are local (the regency's zone) whole days."""
    q = request.query_params

    def day(name: str, shift: int = 0) -> datetime | None:
        value = (q.get(name) or "").strip()
        if not value:
            return None
        try:
            date = datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                f"{name}: tanggal harus berbentuk TTTT-BB-HH") from None
        return datetime.combine(date + timedelta(days=shift), time(), state.formats.zone)

    def text(name: str) -> str | None:
        value = (q.get(name) or "").strip()
        return value[:200] or None

    return store.Filter(ticket=text("tiket"), text=text("teks"), channel=text("kanal"),
                        kecamatan=text("kecamatan"), agency=text("instansi"),
                        status=text("status"), since=day("dari"), until=day("sampai", 1))


@router.get("/cari")
async def search_page(request: Request, state: StateDep, current: Session = MONITOR
                      ) -> Response:
    where = parse_filter(request, state)
    searched = any(v is not None for v in where.params())
    rows = await store.search(state.pool, state.now(), where, 500) if searched else []
    return render(request, state, "search.html", {
        "rows": rows, "q": request.query_params, "searched": searched,
        "query": request.url.query, "holders": state.holders(), "kecamatan": state.kecamatan,
    }, current)


@router.get("/cari.csv")
async def search_csv(request: Request, state: StateDep, current: Session = MONITOR
                     ) -> Response:
    """The current filter's cases as CSV (masked text only; contact data never leaves intake)."""
    rows = await store.search(state.pool, state.now(), parse_filter(request, state), 50_000)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["tiket", "diterima", "kanal", "kecamatan", "instansi", "status",
                     "tenggat", "teks"])
    for r in rows:
        writer.writerow([r["ticket"], r["received_at"].isoformat() if r["received_at"] else "",
                         r["channel"], r["kecamatan"], r["agency"], status_label(r["status"]),
                         r["due_at"].isoformat() if r["due_at"] else "", r["text"]])
    metrics.ACTIONS.labels(action="export", role=current.user.role.value).inc()
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="kasus.csv"', "Cache-Control": "no-store"})


@router.get("/disaring")
async def suppressed_page(request: Request, state: StateDep, current: Session = AUDIT
                          ) -> Response:
    """Political, spam, abuse and out-of-authority items with their reasons: never hidden."""
    rows = await store.suppressed(state.pool, state.now())
    by_status = {k: list(v) for k, v in groupby(rows, key=lambda r: r["status"])}
    return render(request, state, "suppressed.html", {"rows": rows, "by_status": by_status},
                  current)
