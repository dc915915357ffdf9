"""E-mail channel over SMTP (aiosmtplib): plain-text mail with a stable Message-ID.

The Message-ID is derived from the delivery id, so a message resent after a crash carries the
same id and mail clients and archives that thread by it show it once.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from schemas.enums import NotificationChannel
from services.notifier.channel import Channel, Message, PermanentFailure, TemporaryFailure


def build_mail(message: Message, sender: str, domain: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.address
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = f"<{message.delivery_id}@{domain}>"
    mail["X-Tanggap-Delivery-Id"] = str(message.delivery_id)
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: auto-responders must not answer
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
            await aiosmtplib.send(mail, **self._options)  # type: ignore[arg-type]
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
