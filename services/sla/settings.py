"""SLA service's settings."""

from services.runtime.settings import RuntimeSettings


class SlaSettings(RuntimeSettings):
    sla_web_port: int = 8002
    response_target_seconds: float = 48 * 3600  # 2 x 24 jam
