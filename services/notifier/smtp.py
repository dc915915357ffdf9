"""E-mail channel over SMTP (aiosmtplib): plain-text mail with a stable Message-ID.

The Message-ID is derived from the delivery id, so a message resent after a crash carries the
same id and mail clients and archives that thread by it show it once.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, parseaddr

import aiosmtplib

from schemas.enums import NotificationChannel
from services.notifier.channel import Channel, Message, PermanentFailure, TemporaryFailure

# Python folds a long Subject by moving all of it to a continuation line, which readers then
# show with a leading space; 998 is RFC 5322's hard limit, and our subjects stay under 150.
MAIL_POLICY = SMTP_POLICY.clone(max_line_length=998)


def build_mail(message: Message, sender: str, domain: str) -> EmailMessage:
    mail = EmailMessage(policy=MAIL_POLICY)
    mail["From"] = sender
    mail["To"] = message.address
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = f"<{message.delivery_id}@{domain}>"
    mail["X-Tanggap-Delivery-Id"] = str(message.delivery_id)
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: auto-responders must not answer
    if message.reply_to and "@" in message.reply_to:  # thread under the citizen's own mail
        reference = f"<{message.reply_to.strip('<>')}>"
        mail["In-Reply-To"] = reference
        mail["References"] = reference
    mail.set_content(message.body)
    return mail


class EmailChannel(Channel):
    name = NotificationChannel.EMAIL

    def __init__(self, host: str, port: int, sender: str, domain: str, starttls: bool,
                 username: str | None, password: str | None, timeout: float) -> None:
        self._options = {"hostname": host, "port": port, "start_tls": starttls,
                         "username": username, "password": password, "timeout": timeout}
        self._sender = sender
        self._domain = domain

    async def send(self, message: Message) -> str | None:
        if "@" not in message.address:
            raise PermanentFailure("not an e-mail address")
        mail = build_mail(message, self._sender, self._domain)
        try:
            # Sent as bytes: aiosmtplib would re-serialise a message object with its own policy.
            await aiosmtplib.send(mail.as_bytes(), sender=parseaddr(self._sender)[1],
                                  recipients=[message.address],
                                  **self._options)  # type: ignore[arg-type]
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            reason = f"recipient refused: {codes}"
            if all(400 <= c < 500 for c in codes):
                raise TemporaryFailure(reason) from None
            raise PermanentFailure(reason) from None
        except aiosmtplib.SMTPResponseException as exc:
            reason = f"SMTP {exc.code}: {exc.message[:200]}"
            if 400 <= exc.code < 500:
                raise TemporaryFailure(reason) from None
            raise PermanentFailure(reason) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from None
        return mail["Message-ID"]
