"""Messages in Indonesian from Jinja2 templates, short enough for one WhatsApp message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, TemplateNotFound, TemplateSyntaxError

TEMPLATES = Path(__file__).parent / "templates"
# WhatsApp allows 4,096 characters; a phone screen shows far less, so we stay well under.
MAX_BODY = 1024
REQUIRED: dict[str, tuple[str, ...]] = {
    "agency_assigned": ("ticket", "agency_name", "text"),
    "head_negative_news": ("ticket", "agency_name", "text"),
    "sla_warning": ("agency_name", "due_at", "fraction"),
    "sla_breached": ("agency_name", "due_at"),
    "sla_escalated": ("agency_name", "due_at", "level"),
    "citizen_ack": ("ticket",),
    "citizen_answer": ("ticket", "message"),
    "citizen_external": ("ticket",),
    "citizen_verdict": ("ticket",),
    "agency_reopened": ("ticket", "agency_name", "round"),
    "agency_withdrawn": ("ticket", "agency_name"),
}
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
              "Asia/Jayapura": "WIT"}


class RenderError(ValueError):
    """The template is unknown or the context lacks what it needs: retrying cannot help."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def local_time(iso: str, timezone: str) -> str:
    """`Senin, 2 Mar 2026 14.00 WIB`: how a deadline is read in the regency."""
    when = datetime.fromisoformat(iso).astimezone(ZoneInfo(timezone))
    zone = ZONE_NAMES.get(timezone, when.strftime("%Z"))
    return (f"{DAYS[when.weekday()]}, {when.day} {MONTHS[when.month - 1]} {when.year} "
            f"{when:%H.%M} {zone}")


@lru_cache(maxsize=4)
def environment(timezone: str) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=False, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=False)
    env.filters["waktu"] = lambda iso: local_time(str(iso), timezone)
    return env


def shorten(text: str, limit: int = MAX_BODY) -> str:
    """Cut at a word boundary with an ellipsis; templates already bound the free text."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def render(template: str, context: dict[str, object], regency: str,
           timezone: str = "Asia/Jakarta") -> Rendered:
    """Render a named template; raise RenderError when it cannot be rendered as asked."""
    missing = [k for k in REQUIRED.get(template, ()) if context.get(k) in (None, "")]
    if missing:
        raise RenderError(f"template {template}: missing {', '.join(missing)}")
    try:
        module = environment(timezone).get_template(f"{template}.j2").make_module(
            {**context, "regency": regency})
    except TemplateNotFound:
        raise RenderError(f"unknown template {template!r}") from None
    except (TemplateSyntaxError, TypeError, ValueError) as exc:
        raise RenderError(f"template {template}: {exc}") from None
    body = "\n".join(line.rstrip() for line in str(module).strip().splitlines())
    subject = str(getattr(module, "subject", "")).strip() or shorten(body, 78)
    return Rendered(subject=shorten(subject, 150), body=shorten(body))
