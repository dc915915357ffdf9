"""Open the delivery channels the settings enable; a channel without settings stays off."""

from __future__ import annotations

import httpx

from schemas.enums import NotificationChannel
from services.notifier.addresses import networks
from services.notifier.channel import Channel
from services.notifier.settings import NotifierSettings
from services.notifier.smtp import EmailChannel
from services.notifier.webhook import WebhookChannel
from services.notifier.whatsapp import WhatsAppChannel


def open_channels(settings: NotifierSettings) -> dict[NotificationChannel, Channel]:
    """Build every configured channel; called in the worker's start hook, never at import."""
    timeout = httpx.Timeout(settings.notifier_send_timeout_seconds)
    secret = settings.notifier_webhook_secret
    found: dict[NotificationChannel, Channel] = {
        NotificationChannel.WEBHOOK: WebhookChannel(
            httpx.AsyncClient(timeout=timeout),
            secret.get_secret_value() if secret else None,
            networks(settings.notifier_webhook_allowed_networks)),
    }
    if settings.smtp_enabled:
        assert settings.notifier_smtp_host is not None
        password = settings.notifier_smtp_password
        found[NotificationChannel.EMAIL] = EmailChannel(
            settings.notifier_smtp_host, settings.notifier_smtp_port, settings.notifier_mail_from,
            settings.notifier_mail_domain, settings.notifier_smtp_starttls,
            settings.notifier_smtp_username, password.get_secret_value() if password else None,
            settings.notifier_send_timeout_seconds)
    if settings.whatsapp_enabled:
        assert settings.notifier_whatsapp_phone_number_id and settings.notifier_whatsapp_token
        found[NotificationChannel.WHATSAPP] = WhatsAppChannel(
            httpx.AsyncClient(timeout=timeout), settings.notifier_whatsapp_api_url,
            settings.notifier_whatsapp_api_version, settings.notifier_whatsapp_phone_number_id,
            settings.notifier_whatsapp_token.get_secret_value())
    return found
