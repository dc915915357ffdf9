"""Router's settings."""

from services.runtime.settings import RuntimeSettings


class RouterSettings(RuntimeSettings):
    router_web_port: int = 8001
