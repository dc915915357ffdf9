"""Intake's settings: HTTP server, body and rate limits, channel secrets (env only), accounts."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from services.runtime.settings import RuntimeSettings

OPEN311_SERVICES = Path(__file__).parent / "channels" / "open311_services.json"


class IntakeSettings(RuntimeSettings):
    model_config = SettingsConfigDict(env_prefix="TANGGAP_", env_file=".env", extra="ignore")

    intake_host: str = "127.0.0.1"
    intake_port: int = 8000
    ticket_prefix: str = "KTP"
    max_body_bytes: int = 256 * 1024
    intake_pool_size: int = 10
    # Defaults for new adapter keys; each key stores its own rate, changeable per key.
    adapter_rate_per_second: float = 20.0
    adapter_burst: int = 100
    # Outbox rows older than this that are still unpublished (Kafka was down, or a crash) are
    # re-sent by a background sweep; requests and start-up re-send their own anyway.
    outbox_sweep_seconds: float = 15.0
    # How long a request waits for Kafka's acknowledgement before answering 503: the
    # idempotent producer retries without end while the broker is down, so without a bound
    # the request would hang. The case stays stored; the retry or the sweep completes it.
    kafka_ack_timeout_seconds: float = 5.0
    # The raw submissions topic and the lifecycle projection; off only for tools and benches.
    intake_consumers: bool = True

    # Meta (WhatsApp Cloud API, Instagram and Page webhooks): the app secret signs every POST,
    # the verify token answers the GET handshake; the access token reads mentions back.
    meta_app_secret: SecretStr | None = None
    meta_verify_token: SecretStr | None = None
    meta_access_token: SecretStr | None = None
    meta_graph_url: str = "https://graph.facebook.com/v21.0"
    # X: the consumer secret answers the CRC check and signs webhook deliveries.
    x_consumer_secret: SecretStr | None = None

    # The institution's own accounts: their posts and comments are replies, never complaints.
    meta_own_account_ids: list[str] = []  # Instagram professional accounts and Facebook Pages
    x_own_account_ids: list[str] = []
    email_own_addresses: list[str] = []

    open311_services_file: Path = OPEN311_SERVICES
    open311_service_notice: str = "Aduan diterima. Tanggapan paling lambat 2 x 24 jam."
