"""The citizen's verdict on a resolution: reading "1"/"2" replies and what each answer does.

Pure decisions; services/intake/status/verdict_store.py keeps the open questions in PostgreSQL.
Every event here has an id derived from the case and its round, so a redelivered reply, a
second click on the status page or a replayed sweep yields the same events, which the outbox
and every consumer recognise.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from schemas.envelope import derived_id
from schemas.notifications import NotificationRequested
from schemas.responses import ComplaintResolved
from schemas.topics import NOTIFY_REQUESTS, RESPONSES
from schemas.verdicts import CitizenVerdict, ComplaintClosed, ComplaintReopened
from services.intake.status.notices import Contact
from services.runtime.producer import Outgoing

# "1" (optionally a 1-5 rating), "2" (optionally a rating and why), or the words alone: a
# longer message that merely starts with "sudah" ("sudah 3 hari ...") is a new complaint.
_SOLVED = re.compile(r"^\s*1(?:\s+(?:(?:nilai|bintang)\s*)?(?P<rating>[1-5]))?\s*[.!]*\s*$",
                     re.I)
_NOT_SOLVED = re.compile(r"^\s*2(?![0-9])[\s.,:;!-]*(?:(?:nilai|bintang)?\s*(?P<rating>[1-5])"
                         r"(?![0-9])[\s.,:;!-]*)?(?P<reason>.*)$", re.I | re.S)
_WORDS = re.compile(r"^\s*(?P<word>sudah(?: selesai)?|selesai|belum(?: selesai)?)\s*[.!]*\s*$",
                    re.I)
PUBLIC_REPLIES = {"instagram", "facebook", "x", "tiktok"}
MAX_REPLY = 300  # a longer message is a new complaint, not an answer to our question


@dataclass(frozen=True)
class Verdict:
    solved: bool
    rating: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class OpenQuestion:
    """A resolution waiting for the citizen's word: which case, round and agency."""

    complaint_id: str
    ticket: str
    agency: str
    round: int
    answer_by: datetime


def parse_reply(text: str) -> Verdict | None:
    """'1', '1 5', '2 jalannya masih berlubang', 'belum': a verdict; anything else: None."""
    if len(text) > MAX_REPLY:
        return None
    if match := _SOLVED.match(text):
        return Verdict(True, int(match["rating"]) if match["rating"] else None)
    if match := _NOT_SOLVED.match(text):
        return Verdict(False, int(match["rating"]) if match["rating"] else None,
                       " ".join(match["reason"].split())[:1000])
    if match := _WORDS.match(text):
        return Verdict(not match["word"].lower().startswith("belum"))
    return None


def verdict_code(secret: bytes, complaint_id: str, round_: int) -> str:
    """The short code the citizen's question carries, so only they can answer on the web."""
    digest = hmac.new(secret, f"{complaint_id}:{round_}".encode(), hashlib.sha256).hexdigest()
    return digest[:8]


def ask(resolved: ComplaintResolved, ticket: str, round_: int, contact: Contact, code: str,
        window: timedelta) -> list[Outgoing]:
    """The question to the citizen after a resolution, on the channel they use."""
    if contact.channel is None or contact.recipient is None:
        return []
    context = {"ticket": ticket, "complaint_id": resolved.complaint_id, **contact.context,
               "agency": resolved.agency, "code": code, "round": round_,
               # A public reply (a comment under their post) must not show the page's code.
               "public": contact.channel.value in PUBLIC_REPLIES,
               "days": max(1, round(window.total_seconds() / 86400))}
    notice = NotificationRequested(**resolved.caused(f"notify:citizen_verdict:{round_}"),
                                   channel=contact.channel, recipient=contact.recipient,
                                   template="citizen_verdict", context=context)
    return [(NOTIFY_REQUESTS.name, notice)]


def decide(question: OpenQuestion, verdict: Verdict, via: str, now: datetime, center: str,
           tenant: str) -> list[Outgoing]:
    """The verdict, and the case closed (solved) or re-opened with the same agency."""
    given = CitizenVerdict(complaint_id=question.complaint_id, occurred_at=now, tenant=tenant,
                           event_id=derived_id(question.complaint_id, "verdict", question.round),
                           agency=question.agency, round=question.round,
                           solved=verdict.solved, rating=verdict.rating,
                           reason=verdict.reason, via=via)  # type: ignore[arg-type]
    if verdict.solved:
        closed = ComplaintClosed(**given.caused("closed"), agency=question.agency,
                                 round=question.round, reason="confirmed")
        return [(RESPONSES.name, given), (RESPONSES.name, closed)]
    reopened = ComplaintReopened(**given.caused("reopened"), agency=question.agency,
                                 round=question.round + 1, reason=verdict.reason)
    told = NotificationRequested(
        **reopened.caused("notify:agency_reopened"), channel="webhook",  # type: ignore[arg-type]
        recipient=question.agency, audience="agency", template="agency_reopened",
        context={"ticket": question.ticket, "complaint_id": question.complaint_id,
                 "agency": question.agency, "round": question.round + 1,
                 "reason": verdict.reason or None, "center": center})
    return [(RESPONSES.name, given), (RESPONSES.name, reopened), (NOTIFY_REQUESTS.name, told)]


def expire(question: OpenQuestion, now: datetime, tenant: str) -> list[Outgoing]:
    """No answer within the window: the resolution stands and the case is closed."""
    closed = ComplaintClosed(complaint_id=question.complaint_id, occurred_at=now, tenant=tenant,
                             event_id=derived_id(question.complaint_id, "no_reply",
                                                 question.round),
                             agency=question.agency, round=question.round, reason="no_reply")
    return [(RESPONSES.name, closed)]

