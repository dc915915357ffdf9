"""Audit service's settings: web port, batch size, operator keys, lag export interval."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.runtime.settings import RuntimeSettings


class AuditSettings(RuntimeSettings):
    model_config = SettingsConfigDict(env_prefix="TANGGAP_", env_file=".env", extra="ignore")

    audit_web_host: str = "127.0.0.1"
    audit_web_port: int = 8005
    # Records per getmany and per PostgreSQL transaction: large batches amortise the round trip.
    audit_batch: int = 2000
    audit_pool_size: int = 4
    # How often the service measures and exports its own consumer lag.
    audit_lag_interval_seconds: float = 10.0
    # The same operators as intake's: name -> SHA-256 hex of their key (TANGGAP_OPERATOR_KEYS).
    operator_keys: dict[str, str] = {}
