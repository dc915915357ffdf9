"""Complaints taken by a person (the 112 line, the complaint clinic, a letter): typed in by an
operator, they enter through intake's public API like any channel adapter's, and the ticket
is read back to the caller. The form's one-time token is the channel message id, so a form
submitted twice is one case with one ticket.
"""

from __future__ import annotations

import secrets

import httpx
from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from services.console import metrics
from services.console.access import Can
from services.console.state import StateDep
from services.console.web.deps import FormDep, Session, form_text, render, require

router = APIRouter(prefix="/operator")
TRIAGE = require(Can.TRIAGE)
MODES = {"telepon": "Telepon 112", "tatap-muka": "Klinik pengaduan (tatap muka)",
         "surat": "Surat"}


def submission(form: dict, username: str) -> tuple[dict | None, str | None]:
    """The ComplaintSubmission body, or why the form cannot be sent (naming the field)."""
    text, token = form_text(form, "text"), form_text(form, "token")
    mode = form_text(form, "mode") or ""
    if mode not in MODES:
        return None, "cara aduan diterima: pilih telepon, tatap muka atau surat"
    if not text:
        return None, "isi aduan wajib diisi"
    if not token or len(token) > 64:
        return None, "formulir tidak sah, muat ulang halaman"
    anonymous = form.get("anonymous") == "on"
    reporter = {} if anonymous else {k: v for k, v in {
        "name": form_text(form, "name"), "phone": form_text(form, "phone"),
        "email": form_text(form, "email")}.items() if v}
    return {"channel": "call_center", "channel_message_id": f"console-{token}",
            "text": text[:10_000], "reporter": reporter, "anonymous": anonymous,
            "confidential": form.get("confidential") == "on",
            "kecamatan": form_text(form, "kecamatan"),
            "received_by": f"console:{mode}:{username}"}, None


@router.get("/aduan-baru")
async def taken_form(request: Request, state: StateDep, current: Session = TRIAGE) -> Response:
    return render(request, state, "taken.html", {"modes": MODES, "kecamatan": state.kecamatan,
                                                 "token": secrets.token_urlsafe(16)}, current)


@router.post("/aduan-baru")
async def taken_submit(request: Request, form: FormDep, state: StateDep,
                       current: Session = TRIAGE) -> Response:
    body, problem = submission(form, current.user.username)
    context = {"modes": MODES, "kecamatan": state.kecamatan, "form": form,
               "token": form_text(form, "token") or secrets.token_urlsafe(16)}
    if problem is not None or body is None:
        return render(request, state, "taken.html", {**context, "error": problem}, current,
                      status.HTTP_422_UNPROCESSABLE_CONTENT)
    key = state.settings.console_intake_key
    if key is None:
        return render(request, state, "taken.html", {**context, "error":
                      "konsol belum punya kunci adaptor intake (TANGGAP_CONSOLE_INTAKE_KEY)"},
                      current, status.HTTP_503_SERVICE_UNAVAILABLE)
    try:
        answer = await state.http.post(f"{state.settings.console_intake_url}/v1/complaints",
                                       json=body, headers={"X-API-Key": key.get_secret_value()})
    except httpx.HTTPError as exc:
        return render(request, state, "taken.html", {**context, "error":
                      f"intake tidak terjangkau ({type(exc).__name__}); kirim ulang formulir "
                      "yang sama, tiketnya tidak akan ganda"}, current,
                      status.HTTP_502_BAD_GATEWAY)
    if answer.status_code != 202:
        return render(request, state, "taken.html", {**context, "error":
                      f"intake menolak ({answer.status_code}): {answer.text[:300]}"}, current,
                      status.HTTP_502_BAD_GATEWAY)
    accepted = answer.json()
    metrics.ACTIONS.labels(action="taken", role=current.user.role.value).inc()
    return render(request, state, "taken_done.html", {
        "ticket": accepted["ticket"], "complaint_id": accepted["complaint_id"],
        "duplicate": accepted.get("duplicate", False)}, current)
