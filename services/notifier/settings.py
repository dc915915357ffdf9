"""Notifier's settings: where each agency's webhook is and how deliveries are signed."""

from pydantic import SecretStr

from services.runtime.settings import RuntimeSettings


class NotifierSettings(RuntimeSettings):
    notifier_web_port: int = 8003
    # `{agency}` is replaced by the agency code; per-agency entries override the template.
    notifier_webhook_url: str = "http://127.0.0.1:8099/hooks/{agency}"
    notifier_webhooks: dict[str, str] = {}
    notifier_webhook_secret: SecretStr | None = None
    notifier_max_attempts: int = 5

    def webhook_for(self, agency: str) -> str:
        return self.notifier_webhooks.get(agency) or self.notifier_webhook_url.format(agency=agency)
