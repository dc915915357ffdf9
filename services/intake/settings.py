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
    # Group commit: new cases of concurrent requests share a transaction and a Kafka send;
    # at most this many per group, and this many groups in flight at once.
    intake_group_max: int = 256
    intake_group_flushers: int = 1
    # uvicorn worker processes (tickets come from a sequence and the outbox locks its rows,
    # so several processes share one database safely).
    intake_workers: int = 1
    # Defaults for new adapter keys; each key stores its own rate, changeable per key.
    adapter_rate_per_second: float = 20.0
    adapter_burst: int = 100
    # Outbox rows older than this that are still unpublished (Kafka was down, or a crash) are
    # re-sent by a background sweep; requests and start-up re-send their own anyway.
    outbox_sweep_seconds: float = 15.0
    # How long a request waits for Kafka's acknowledgement before answering 503: the
    # idempotent producer retries without end while the broker is down, so without a bound
    # the request would hang. The case stays stored; the retry or the sweep completes it.
    kafka_ack_timeout_seconds: float = 10.0
    # The raw submissions topic and the lifecycle projection; off only for tools and benches.
    intake_consumers: bool = True
    # After a resolution the citizen is asked whether it solved their complaint; silence for
    # this long closes the case, "not solved" within it re-opens the case with the agency.
    intake_verdict_window_hours: float = 7 * 24
    intake_verdict_sweep_seconds: float = 60.0
    intake_verdict_secret: SecretStr | None = None  # signs status-page codes; made if unset

    # Meta (WhatsApp Cloud API, Instagram and Page webhooks): the app secret signs every POST,
    # the verify token answers the GET handshake; the access token reads mentions back
    # and downloads WhatsApp media.
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

    # UU PDP: a reporter's contact data is erased this long after they last reported
    # (services/intake/privacy); 0 turns the sweep off. Checked every privacy_sweep_seconds.
    contact_retention_days: int = 365
    privacy_sweep_seconds: float = 3600.0

    # Failed look-ups (an Instagram mention's text) are retried in the background: the first
    # retry after the base delay, doubling up to the cap, given up after max attempts.
    enrichment_poll_seconds: float = 30.0
    enrichment_backoff_seconds: float = 30.0
    enrichment_backoff_max_seconds: float = 3600.0
    enrichment_max_attempts: int = 48
    # WhatsApp media are downloaded by the same job (when meta_access_token is set) and kept
    # in PostgreSQL: only these types (Meta's supported ones, no HTML or SVG, which a browser
    # would run), up to this size; anything else is given up with its reason.
    intake_media_max_bytes: int = 16 * 1024 * 1024
    # Download urls are fetched with our token, so only on Meta's hosts (and their
    # subdomains) or the Graph API's own host.
    intake_media_hosts: list[str] = ["fbsbx.com", "fbcdn.net", "whatsapp.net", "facebook.com"]
    intake_media_types: list[str] = [
        "image/jpeg", "image/png", "image/webp", "video/mp4", "video/3gpp", "audio/aac",
        "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg", "application/pdf", "text/plain",
        "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"]

    # Sources that do not push (TikTok, X stream, remote Open311, news feeds): a YAML file,
    # see services/intake/pullers/sources.py. None: no pullers run.
    pullers_file: Path | None = None

    open311_services_file: Path = OPEN311_SERVICES
    open311_service_notice: str = "Aduan diterima. Tanggapan paling lambat 2 x 24 jam."
