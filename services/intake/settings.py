"""Intake's settings."""

from pydantic_settings import SettingsConfigDict

from services.runtime.settings import RuntimeSettings


class IntakeSettings(RuntimeSettings):
    model_config = SettingsConfigDict(env_prefix="TANGGAP_", env_file=".env", extra="ignore")

    intake_host: str = "127.0.0.1"
    intake_port: int = 8000
    ticket_prefix: str = "KTP"
    max_body_bytes: int = 256 * 1024
