"""Router's settings."""

from pathlib import Path

from services.runtime.settings import RuntimeSettings


class RouterSettings(RuntimeSettings):
    router_web_port: int = 8001
    # Another routing.yaml (e.g. a candidate rule set); default: the tenant's own.
    router_rules_path: Path | None = None

    def rules_path(self) -> Path:
        return self.router_rules_path or self.tenants_dir / self.tenant / "routing.yaml"
