"""Raw inbound e-mail (RFC 5322, MIME) as the mail server hands it over, via the stdlib parser.

Auto-replies, bounces and loops from our own mailboxes open no case. The text is the subject
and the plain body (HTML turned into text when there is none), without quoted history. A reply
in the citizen's own thread whose subject says it corrects the earlier mail (ralat, koreksi,
revisi, correction) is an edit of that mail's case, if the same address wrote it.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser

from schemas.enums import Channel
from services.intake.channels.inbound import Inbound

BULK = {"bulk", "junk", "list", "auto_reply"}
_ATTRIBUTION = re.compile(r"^\s*(on|pada)\b.{0,200}\b(wrote|menulis)\s*:\s*$", re.IGNORECASE)
_CORRECTION = re.compile(r"\b(ralat|koreksi|revisi|perbaikan data|correction|corrected)\b",
                         re.IGNORECASE)
_BLOCKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"}


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # decodes &amp; &nbsp; and friends
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data.replace("\xa0", " "))


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.parts)).strip()


def unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: a line ending in a space continues on the next line."""
    out: list[str] = []
    for line in text.split("\n"):
        if line.startswith(" "):
            line = line[1:]  # space-stuffing
        if out and out[-1].endswith(" ") and out[-1] != "-- ":
            out[-1] = (out[-1][:-1] if delsp else out[-1]) + line
        else:
            out.append(line)
    return "\n".join(out)


def strip_quoted(text: str) -> str:
    """Drop quoted history: `>` lines and the "On ... wrote:" / "Pada ... menulis:" line."""
    lines = [ln for ln in text.split("\n") if not ln.lstrip().startswith(">")
             and not _ATTRIBUTION.match(ln)]
    return "\n".join(lines).strip()


def is_machine_mail(message: EmailMessage, own: set[str], sender: str) -> bool:
    """Auto-replies (RFC 3834), bulk, bounces (RFC 3464) and our own mail (loops)."""
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    return (auto != "no" or str(message.get("Precedence", "")).strip().lower() in BULK
            or "X-Autoreply" in message or message.get_content_type() == "multipart/report"
            or str(message.get("Return-Path", "")).strip() == "<>"
            or sender.startswith("mailer-daemon@") or sender in own)


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except LookupError:  # an unknown charset: keep what can be read
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    content = content.replace("\r\n", "\n")
    if part.get_content_subtype() == "html":
        return html_to_text(content)
    if str(part.get_param("format", "")).lower() == "flowed":
        content = unflow(content, str(part.get_param("delsp", "")).lower() == "yes")
    return content


def parse(raw: bytes, own_addresses: set[str], now: datetime) -> Inbound:
    """One raw message (CRLF or LF line ends) as at most one submission."""
    inbound = Inbound()
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    name, sender = next(iter(getaddresses([str(message.get("From", ""))])), ("", ""))
    sender = sender.strip().lower()
    own = {a.lower() for a in own_addresses}
    if not sender or is_machine_mail(message, own, sender):
        inbound.ignored += 1
        return inbound
    message_id = str(message.get("Message-ID", "")).strip().strip("<>")
    key = message_id or "sha256:" + hashlib.sha256(raw).hexdigest()
    subject = str(message.get("Subject", "")).strip()
    text = "\n\n".join(p for p in (subject, strip_quoted(body_text(message))) if p)
    received_by = getaddresses([str(message.get("Delivered-To") or message.get("To", ""))])
    replied = str(message.get("In-Reply-To", "")).strip().strip("<>")[:300] or None
    target = inbound if not (replied and _CORRECTION.search(subject)) else Inbound()
    target.add(
        channel=Channel.EMAIL, channel_message_id=key[:300], text=text,
        reporter={"name": name or None, "email": sender},
        attachments=[{"kind": _kind(a.get_content_maintype()), "caption": a.get_filename()}
                     for a in message.iter_attachments()][:20],
        occurred_at=_date(message, now), received_by=received_by[0][1] if received_by else None,
        in_reply_to=replied)
    if target is not inbound:
        # A correction: the earlier mail's case gets this text; otherwise it is a new message.
        inbound.rejected += target.rejected
        if target.submissions:
            opens = target.submissions[0]
            inbound.amend("edit", Channel.EMAIL, replied, key[:300], text=opens.text,
                          occurred_at=opens.occurred_at, opens=opens,
                          reporter_identity=f"mailto:{sender}")
    return inbound


def _kind(maintype: str) -> str:
    return maintype if maintype in ("image", "video", "audio") else "document"


def _date(message: EmailMessage, now: datetime) -> datetime | None:
    """The Date header, unless it is missing, zone-less or absurd (future, or before 2000)."""
    try:
        header = message.get("Date")
        when = getattr(header, "datetime", None)
    except (TypeError, ValueError, IndexError):
        return None
    if not isinstance(when, datetime) or when.tzinfo is None:
        return None
    when = when.astimezone(UTC)
    return when if datetime(2000, 1, 1, tzinfo=UTC) < when < now + timedelta(days=1) else None
