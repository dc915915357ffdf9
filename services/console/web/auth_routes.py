"""Sign-in (rate-limited, argon2), sign-out, and the landing page for each role."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import RedirectResponse, Response

from services.console import accounts, metrics
from services.console.access import Can, may
from services.console.security import COOKIE, new_session_id
from services.console.state import StateDep
from services.console.web.deps import FormDep, SessionDep, render

router = APIRouter()


def home_of(user_can_triage: bool) -> str:
    return "/operator/antrian" if user_can_triage else "/instansi"


@router.get("/", include_in_schema=False)
async def landing(current: SessionDep) -> RedirectResponse:
    return RedirectResponse(home_of(may(current.user, Can.TRIAGE)), status.HTTP_303_SEE_OTHER)


@router.get("/masuk")
async def signin_form(request: Request, state: StateDep) -> Response:
    return render(request, state, "signin.html", {"token": state.signer.signin_token()})


@router.post("/masuk")
async def signin(request: Request, state: StateDep,
                 username: Annotated[str, Form(max_length=64)] = "",
                 password: Annotated[str, Form(max_length=256)] = "",
                 token: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Check the password; limit attempts per username and per address."""
    def again(message: str, code: int, headers: dict[str, str] | None = None) -> Response:
        page = render(request, state, "signin.html", {"token": state.signer.signin_token(),
                                                      "error": message, "username": username},
                      status_code=code)
        page.headers.update(headers or {})
        return page

    if not state.signer.signin_token_ok(token):
        metrics.SIGNINS.labels(outcome="bad_token").inc()
        return again("Formulir kedaluwarsa, silakan coba lagi.", status.HTTP_403_FORBIDDEN)
    address = request.client.host if request.client else "-"
    now = time.monotonic()
    wait = max(state.signin_limits.take(f"user:{username.lower()}", now),
               state.address_limits.take(address, now))
    if wait > 0:
        metrics.SIGNINS.labels(outcome="limited").inc()
        return again(f"Terlalu banyak percobaan. Coba lagi dalam {int(wait) + 1} detik.",
                     status.HTTP_429_TOO_MANY_REQUESTS, {"Retry-After": str(int(wait) + 1)})
    stored = await accounts.password_hash(state.pool, username)
    if not state.hasher.verify(stored, password):
        metrics.SIGNINS.labels(outcome="refused").inc()
        return again("Nama pengguna atau kata sandi salah.", status.HTTP_401_UNAUTHORIZED)
    state.signin_limits.reset(f"user:{username.lower()}")
    sid = new_session_id()
    hours = state.settings.console_session_hours
    await accounts.open_session(state.pool, sid, username, state.now() + timedelta(hours=hours))
    user = await accounts.session_user(state.pool, sid, state.now())
    assert user is not None
    metrics.SIGNINS.labels(outcome="ok").inc()
    response = RedirectResponse(home_of(may(user, Can.TRIAGE)), status.HTTP_303_SEE_OTHER)
    response.set_cookie(COOKIE, state.signer.cookie(sid), max_age=int(hours * 3600),
                        httponly=True, samesite="strict",
                        secure=state.settings.console_secure_cookies, path="/")
    return response


@router.post("/keluar")
async def signout(current: SessionDep, form: FormDep, state: StateDep) -> Response:
    """End this session (the row goes, so the cookie is worthless even if kept)."""
    await accounts.close_session(state.pool, current.session_id)
    response = RedirectResponse("/masuk", status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response
