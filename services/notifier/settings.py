"""Notifier's settings: channel endpoints, secrets (env only), retry and address policy."""

from __future__ import annotations

from pydantic import BaseModel, SecretStr, field_validator

from services.runtime.settings import RuntimeSettings


class WhatsAppTemplate(BaseModel):
    """An approved WhatsApp template standing in for one of ours outside the 24-hour window.

    `parameters` fill the template body's {{1}}, {{2}}, ... in order: a context key of the
    notice (ticket, agency_name, message, ...) or `body`, our whole rendered Indonesian text.
    """

    name: str
    language: str = "id"
    parameters: list[str] = ["body"]


class NotifierSettings(RuntimeSettings):
    notifier_web_port: int = 8003

    # Webhooks. An operator-set URL (the template, `{agency}` replaced by the code, or a
    # per-agency entry) overrides the directory's `webhook`; `make run` points it at the local
    # inbox. Set it empty in production to use the directory's addresses.
    notifier_webhook_url: str | None = "http://127.0.0.1:8099/hooks/{agency}"
    notifier_webhooks: dict[str, str] = {}
    notifier_webhook_secret: SecretStr | None = None
    # Directory- or event-supplied webhook hosts resolving to private, loopback or link-local
    # addresses are refused unless they fall in one of these networks (CIDR, e.g. 127.0.0.0/8).
    notifier_webhook_allowed_networks: list[str] = []

    # E-mail over SMTP; the channel is off while no host is set.
    notifier_smtp_host: str | None = None
    notifier_smtp_port: int = 587
    notifier_smtp_starttls: bool = True
    notifier_smtp_username: str | None = None
    notifier_smtp_password: SecretStr | None = None
    notifier_mail_from: str = "Ketapang Media Center <kmc@ketapangkab.example.go.id>"
    notifier_mail_domain: str = "tanggap.ketapangkab.example.go.id"  # right side of Message-ID

    # WhatsApp Cloud API; the channel is off while no phone number id or token is set.
    notifier_whatsapp_api_url: str = "https://graph.facebook.com"
    notifier_whatsapp_api_version: str = "v21.0"
    notifier_whatsapp_phone_number_id: str | None = None
    notifier_whatsapp_token: SecretStr | None = None
    # Our template name -> the approved template that replaces it outside the 24-hour window,
    # e.g. TANGGAP_NOTIFIER_WHATSAPP_TEMPLATES='{"citizen_answer": {"name": "tanggapan_aduan",
    # "parameters": ["ticket", "agency_name", "message"]}}'.
    notifier_whatsapp_templates: dict[str, WhatsAppTemplate] = {}

    # Replies where the citizen spoke: each channel is off while its token is unset.
    notifier_graph_api_url: str = "https://graph.facebook.com"
    notifier_graph_api_version: str = "v21.0"
    notifier_instagram_token: SecretStr | None = None  # the professional account's token
    notifier_facebook_page_token: SecretStr | None = None
    notifier_x_api_url: str = "https://api.x.com"
    notifier_x_token: SecretStr | None = None  # OAuth 2.0 user-context token of our account
    notifier_tiktok_api_url: str = "https://business-api.tiktok.com"
    notifier_tiktok_business_id: str | None = None
    notifier_tiktok_token: SecretStr | None = None

    # Retries: exponential backoff with full jitter, Retry-After honoured up to a ceiling.
    notifier_max_attempts: int = 5
    notifier_backoff_initial_seconds: float = 0.5
    notifier_backoff_max_seconds: float = 30.0
    notifier_retry_after_max_seconds: float = 120.0
    notifier_send_timeout_seconds: float = 10.0

    @field_validator("notifier_webhook_url", "notifier_smtp_host",
                     "notifier_whatsapp_phone_number_id", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    def webhook_override(self, agency: str) -> str | None:
        """The operator-set webhook URL of an agency, if any."""
        if agency in self.notifier_webhooks:
            return self.notifier_webhooks[agency]
        if self.notifier_webhook_url:
            return self.notifier_webhook_url.format(agency=agency)
        return None

    @property
    def smtp_enabled(self) -> bool:
        return self.notifier_smtp_host is not None

    @property
    def whatsapp_enabled(self) -> bool:
        return bool(self.notifier_whatsapp_phone_number_id and self.notifier_whatsapp_token)
