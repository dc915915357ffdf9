"""Per-request plumbing: the signed-in user, permission checks, CSRF, rendering."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from services.console import accounts
from services.console.access import Can, User, may
from services.console.countdown import badge, hours_minutes
from services.console.security import COOKIE
from services.console.state import ConsoleState, StateDep
from services.console.wording import CHANNEL, KIND, PUBLIC_LINE, status_label, verdict_label

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
TEMPLATES.env.globals.update(status_label=status_label, CHANNEL=CHANNEL, KIND=KIND,
                             PUBLIC_LINE=PUBLIC_LINE, Can=Can, may=may,
                             verdict_label=verdict_label)


class SignInRequired(Exception):
    """No live session: pages redirect to the sign-in form, fragments tell htmx to."""


@dataclass(frozen=True)
class Session:
    user: User
    session_id: str
    csrf: str


async def session(request: Request, state: StateDep) -> Session:
    """The signed-in user's session; SignInRequired without one."""
    max_age = int(state.settings.console_session_hours * 3600)
    sid = state.signer.session_id(request.cookies.get(COOKIE), max_age)
    user = await accounts.session_user(state.pool, sid, state.now()) if sid else None
    if user is None or sid is None:
        raise SignInRequired
    return Session(user, sid, state.signer.csrf(sid))


SessionDep = Annotated[Session, Depends(session)]


def require(permission: Can) -> Any:
    """A dependency that lets only roles holding `permission` through (403 otherwise)."""

    async def check(current: SessionDep) -> Session:
        if not may(current.user, permission):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "peran Anda tidak boleh membuka ini")
        return current

    return Depends(check)


async def checked_form(request: Request, current: SessionDep, state: StateDep) -> dict[str, Any]:
    """The posted form, after its CSRF token (field `csrf` or header X-CSRF-Token) is checked."""
    form = await request.form()
    presented = request.headers.get("x-csrf-token") or form.get("csrf")
    if not state.signer.csrf_ok(current.session_id, presented if isinstance(presented, str)
                                else None):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "token CSRF tidak ada atau tidak sah")
    values: dict[str, Any] = {}
    for key in form:
        many = form.getlist(key)
        values[key] = many if key.endswith("[]") else many[-1]
    return values


FormDep = Annotated[dict[str, Any], Depends(checked_form)]


def render(request: Request, state: ConsoleState, name: str, context: dict[str, Any],
           current: Session | None = None, status_code: int = 200) -> HTMLResponse:
    """Render a template with what every page needs (user, CSRF token, formats, clock)."""
    now = state.now()
    base = {"request": request, "user": current.user if current else None,
            "csrf": current.csrf if current else "", "fmt": state.formats, "now": now,
            "badge": lambda row: badge(row["due_at"], row["clock_state"], now),
            "age": lambda since: hours_minutes((now - since).total_seconds()) if since else "-",
            "agency_name": state.agency_name, "poll": state.settings.console_poll_seconds,
            "is_htmx": request.headers.get("hx-request") == "true"}
    response = TEMPLATES.TemplateResponse(request, name, {**base, **context},
                                          status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def form_text(form: dict[str, Any], name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None
