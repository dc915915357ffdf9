"""One case: its page and timeline fragment; claim, assign or redirect, link, and the agency's
answer, "bukan wewenang kami" and resolution, each a command or event on Kafka."""

from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import quote

import asyncpg
from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response

from schemas.enums import ResponseKind
from services.console import accounts, commands, metrics, store
from services.console.access import Can, may, may_answer, may_see_case
from services.console.state import ConsoleState, StateDep
from services.console.web.deps import FormDep, Session, SessionDep, form_text, render, require
from services.console.wording import ANSWER_TEMPLATES

router = APIRouter(prefix="/kasus")
TRIAGE = require(Can.TRIAGE)
INBOX = require(Can.INBOX)
CONTACT = require(Can.CONTACT_DATA)


async def visible_case(state: ConsoleState, current: Session, key: str) -> asyncpg.Record:
    """The case if this user may see it; 404 alike for missing and other agencies' cases."""
    row = await store.case(state.pool, key, state.now())
    if row is None or not may_see_case(current.user, row["agency"]):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "kasus tidak ditemukan")
    return row


def back(state: ConsoleState, row: asyncpg.Record, message: str) -> RedirectResponse:
    flash = quote(state.signer.flash(message))
    return RedirectResponse(f"/kasus/{row['complaint_id']}?pesan={flash}",
                            status.HTTP_303_SEE_OTHER)


@router.get("/templat")
async def answer_template(request: Request, state: StateDep, current: Session = INBOX
                          ) -> Response:
    """The answer text box pre-filled with the chosen kind's template (htmx swaps it in)."""
    kind = request.query_params.get("kind", "first_response")
    return render(request, state, "_answer_text.html", {"templates": ANSWER_TEMPLATES,
                                                        "kind": kind}, current)


@router.get("/{key}")
async def case_page(key: str, request: Request, state: StateDep, current: SessionDep
                    ) -> Response:
    row = await visible_case(state, current, key)
    timeline = await state.timeline(state.pool, row["complaint_id"])
    return render(request, state, "case.html", {
        "c": row, "timeline": timeline, "holders": state.holders(),
        "suggested": state.suggestions.get(row["category"] or ""),
        "token": secrets.token_urlsafe(12), "templates": ANSWER_TEMPLATES,
        "message": state.signer.read_flash(request.query_params.get("pesan")),
        "answer_refusal": may_answer(current.user, row["agency"], row["status"]),
    }, current)


@router.get("/{key}/riwayat")
async def timeline_fragment(key: str, request: Request, state: StateDep, current: SessionDep
                            ) -> Response:
    row = await visible_case(state, current, key)
    timeline = await state.timeline(state.pool, row["complaint_id"])
    return render(request, state, "_timeline.html", {"c": row, "timeline": timeline}, current)


@router.post("/{key}/kontak")
async def reporter_contact(key: str, request: Request, form: FormDep, state: StateDep,
                           current: Session = CONTACT) -> Response:
    """The reporter's contact from intake, for center staff giving a reason (intake records
    who read it and why); shown on this response only, never stored or put in a link."""
    row = await visible_case(state, current, key)
    reason = (form_text(form, "reason") or "").strip()
    if len(reason) < 5:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            "reason: alasan melihat kontak wajib diisi (minimal 5 huruf)")
    contact = await state.contact(row["ticket"] or row["complaint_id"], reason,
                                  current.user.username)
    metrics.ACTIONS.labels(action="contact", role=current.user.role.value).inc()
    return render(request, state, "contact.html", {"c": row, "contact": contact,
                                                   "reason": reason}, current)


@router.post("/{key}/klaim")
async def claim(key: str, form: FormDep, state: StateDep, current: Session = TRIAGE
                ) -> Response:
    row = await visible_case(state, current, key)
    hold = timedelta(minutes=state.settings.console_claim_minutes)
    holder = await accounts.claim(state.pool, row["complaint_id"], current.user.username,
                                  state.now(), hold)
    if holder != current.user.username:
        return back(state, row, f"sedang dipegang {holder}")
    return back(state, row, "kasus Anda pegang")


@router.post("/{key}/lepas")
async def release(key: str, form: FormDep, state: StateDep, current: Session = TRIAGE
                  ) -> Response:
    row = await visible_case(state, current, key)
    anyone = may(current.user, Can.RELEASE_ANY_CLAIM)
    await accounts.release(state.pool, row["complaint_id"],
                           None if anyone else current.user.username)
    return back(state, row, "klaim dilepas")


async def not_held_by_other(state: ConsoleState, current: Session, complaint_id: str) -> None:
    holder = await accounts.holder_of_claim(state.pool, complaint_id, state.now())
    if holder not in (None, current.user.username) and not may(current.user,
                                                               Can.RELEASE_ANY_CLAIM):
        raise HTTPException(status.HTTP_409_CONFLICT, f"kasus sedang dipegang {holder}")


@router.post("/{key}/tugaskan")
async def assign(key: str, form: FormDep, state: StateDep, current: Session = TRIAGE
                 ) -> Response:
    """Assign a triaged case, or redirect a held one, to an agency with a required reason."""
    row = await visible_case(state, current, key)
    await not_held_by_other(state, current, row["complaint_id"])
    try:
        outgoing = commands.assign(state.tenant, row["complaint_id"], form_text(form, "agency")
                                   or "", current.user.username, form_text(form, "reason"),
                                   form_text(form, "token") or secrets.token_urlsafe(12),
                                   {code for code, _ in state.holders()})
    except commands.Refused as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    await state.producer.send_many([outgoing])
    await accounts.release(state.pool, row["complaint_id"], None)
    metrics.ACTIONS.labels(action="assign", role=current.user.role.value).inc()
    return back(state, row, f"perintah penugasan ke {outgoing[1].agency} terkirim")  # type: ignore[attr-defined]


@router.post("/{key}/duplikat")
async def link(key: str, form: FormDep, state: StateDep, current: Session = TRIAGE
               ) -> Response:
    row = await visible_case(state, current, key)
    parent_key = form_text(form, "parent") or ""
    parent = await store.case(state.pool, parent_key, state.now())
    if parent is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"parent: tiket {parent_key!r} tidak ditemukan")
    try:
        outgoing = commands.link(state.tenant, row["complaint_id"], row["ticket"],
                                 parent["complaint_id"], parent["ticket"], parent["agency"],
                                 form_text(form, "token") or secrets.token_urlsafe(12))
    except commands.Refused as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    await state.producer.send_many([outgoing])
    metrics.ACTIONS.labels(action="link", role=current.user.role.value).inc()
    return back(state, row, f"ditautkan ke {parent['ticket']}")


async def agency_answer(key: str, form: dict, state: ConsoleState, current: Session,
                        kind: ResponseKind) -> Response:
    row = await visible_case(state, current, key)
    refusal = may_answer(current.user, row["agency"], row["status"])
    if refusal is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, refusal)
    assert current.user.agency is not None
    try:
        outgoing = commands.answer(state.tenant, row["complaint_id"], current.user.agency,
                                   current.user.username, kind, form_text(form, "message"),
                                   form_text(form, "token") or secrets.token_urlsafe(12),
                                   state.now())
    except commands.Refused as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    await state.producer.send_many(outgoing)
    metrics.ACTIONS.labels(action=kind.value, role=current.user.role.value).inc()
    if kind is ResponseKind.NOT_OURS:  # the case leaves this agency: back to its inbox
        done = quote(state.signer.flash(f"dikembalikan ke pusat: {row['ticket']}"))
        return RedirectResponse(f"/instansi?pesan={done}", status.HTTP_303_SEE_OTHER)
    return back(state, row, "jawaban terkirim")


@router.post("/{key}/jawab")
async def answer(key: str, form: FormDep, state: StateDep, current: Session = INBOX
                 ) -> Response:
    try:
        kind = ResponseKind(form_text(form, "kind") or "")
    except ValueError:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "kind: jenis jawaban tidak"
                            " dikenal") from None
    return await agency_answer(key, form, state, current, kind)


@router.post("/{key}/bukan-wewenang")
async def not_ours(key: str, form: FormDep, state: StateDep, current: Session = INBOX
                   ) -> Response:
    form = {**form, "message": form.get("reason")}
    return await agency_answer(key, form, state, current, ResponseKind.NOT_OURS)


@router.post("/{key}/selesai")
async def resolve(key: str, form: FormDep, state: StateDep, current: Session = INBOX
                  ) -> Response:
    return await agency_answer(key, form, state, current, ResponseKind.RESOLVED)
