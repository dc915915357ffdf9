"""SLA service's settings."""

from pathlib import Path

from services.runtime.settings import RuntimeSettings


class SlaSettings(RuntimeSettings):
    sla_web_port: int = 8002
    # The tenant's versioned policy; point elsewhere (TANGGAP_SLA_POLICY_FILE) for a demo or
    # a test with second-scale targets.
    sla_policy_file: Path | None = None
    # After an assignment, timers wait for the backlog of answers to be applied first, so a
    # deadline that passed while down is not announced for a case answered in time; but no
    # longer than this, so a stuck input cannot silence every clock.
    sla_catch_up_limit_seconds: float = 120.0

    def policy_path(self) -> Path:
        """The policy file in force: the override, else tenants/<tenant>/sla.yaml."""
        return self.sla_policy_file or self.tenants_dir / self.tenant / "sla.yaml"
