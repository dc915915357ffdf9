"""Open the delivery channels the settings enable; a channel without settings stays off.

The channels that answer a citizen where they spoke (WhatsApp and the social platforms) are
wrapped so that a reply that cannot land goes to the citizen's other contact or the operators.
"""

from __future__ import annotations

import httpx

from schemas.enums import NotificationChannel
from services.notifier.addresses import networks
from services.notifier.channel import Channel
from services.notifier.contacts import AGENCY, Destination, agency_address
from services.notifier.fallback import FallbackChannel, NotConfigured
from services.notifier.graph import GraphReplyChannel
from services.notifier.settings import NotifierSettings
from services.notifier.smtp import EmailChannel
from services.notifier.tiktok import TikTokReplyChannel
from services.notifier.webhook import WebhookChannel
from services.notifier.whatsapp import WhatsAppChannel
from services.notifier.x_reply import XReplyChannel

CITIZEN_FACING = (NotificationChannel.WHATSAPP, NotificationChannel.INSTAGRAM,
                  NotificationChannel.FACEBOOK, NotificationChannel.X, NotificationChannel.TIKTOK)


def open_channels(settings: NotifierSettings) -> dict[NotificationChannel, Channel]:
    """Build every configured channel; called in the worker's start hook, never at import."""
    return with_fallbacks(plain_channels(settings), settings)


def plain_channels(settings: NotifierSettings) -> dict[NotificationChannel, Channel]:
    """The channels the settings configure, each as itself (no fallback wrapping)."""
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
            settings.notifier_whatsapp_token.get_secret_value(),
            settings.notifier_whatsapp_templates)
    found.update(social_channels(settings, timeout))
    return found


def with_fallbacks(found: dict[NotificationChannel, Channel], settings: NotifierSettings
                   ) -> dict[NotificationChannel, Channel]:
    """Wrap the citizen-facing channels so a reply that cannot land goes the fallback way."""
    found = dict(found)
    directory = settings.directory()

    def desk(code: str) -> Destination:
        return agency_address(directory, code, AGENCY, NotificationChannel.WEBHOOK,
                              settings.webhook_override(code))

    plain = dict(found)
    for name in CITIZEN_FACING:
        primary = found.get(name) or (None if name is NotificationChannel.WHATSAPP
                                      else NotConfigured(name))
        if primary is not None:
            found[name] = FallbackChannel(primary, plain, desk)
    return found


def social_channels(settings: NotifierSettings,
                    timeout: httpx.Timeout) -> dict[NotificationChannel, Channel]:
    """Comment and post replies on Instagram, Facebook, X and TikTok, where tokens are set."""
    found: dict[NotificationChannel, Channel] = {}
    graph = (settings.notifier_graph_api_url, settings.notifier_graph_api_version)
    for name, token in ((NotificationChannel.INSTAGRAM, settings.notifier_instagram_token),
                        (NotificationChannel.FACEBOOK, settings.notifier_facebook_page_token)):
        if token is not None:
            found[name] = GraphReplyChannel(name, httpx.AsyncClient(timeout=timeout), *graph,
                                            token.get_secret_value())
    if settings.notifier_x_token is not None:
        found[NotificationChannel.X] = XReplyChannel(
            httpx.AsyncClient(timeout=timeout), settings.notifier_x_api_url,
            settings.notifier_x_token.get_secret_value())
    if settings.notifier_tiktok_token is not None and settings.notifier_tiktok_business_id:
        found[NotificationChannel.TIKTOK] = TikTokReplyChannel(
            httpx.AsyncClient(timeout=timeout), settings.notifier_tiktok_api_url,
            settings.notifier_tiktok_business_id, settings.notifier_tiktok_token.get_secret_value())
    return found
