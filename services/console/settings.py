"""The console's settings: HTTP server, session secret, intake's address and adapter key."""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from services.runtime.settings import RuntimeSettings


class ConsoleSettings(RuntimeSettings):
    model_config = SettingsConfigDict(env_prefix="TANGGAP_", env_file=".env", extra="ignore")

    console_host: str = "127.0.0.1"
    console_port: int = 8004
    # Signs session cookies and CSRF tokens; when unset one is generated into var/ (per checkout).
    console_secret_key: SecretStr | None = None
    # Browsers send Secure cookies only over HTTPS; set true behind a TLS proxy.
    console_secure_cookies: bool = False
    console_session_hours: float = 12.0
    console_claim_minutes: float = 15.0
    console_poll_seconds: int = 15  # how often the queue, board and inbox refresh themselves
    # Sign-in attempts per username and per address: a burst, then one per this many seconds.
    console_signin_burst: int = 5
    console_signin_every_seconds: float = 60.0
    console_signin_address_burst: int = 50  # one office's address serves many staff
    console_status_burst: int = 20  # the citizen's status page, per address
    console_status_every_seconds: float = 3.0
    console_max_body_bytes: int = 64 * 1024
    # Complaints taken by a person enter through intake's public API like any channel adapter.
    console_intake_url: str = "http://127.0.0.1:8000"
    console_intake_key: SecretStr | None = None  # an adapter key for channel call_center
    # An operator key of intake's (TANGGAP_OPERATOR_KEYS), for reading a reporter's contact on
    # the case page; unset: the console cannot show contacts.
    console_intake_operator_key: SecretStr | None = None
    # The audit service's timeline of a case, read from the log (its operator key); unset: the
    # console's own projection.
    console_audit_url: str | None = None
    console_audit_key: SecretStr | None = None
    console_consumers: bool = True  # the projection consumer; off only for in-process tests
    console_group: str = "console"  # its consumer group (prefixed like every group)

    def secret_key(self) -> str:
        """The configured signing secret, or this checkout's, generated once into var/."""
        if self.console_secret_key is not None:
            return self.console_secret_key.get_secret_value()
        path = Path(self.var_dir) / "console-secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()
