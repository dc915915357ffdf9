"""A notifier process wired to local endpoints: webhooks, WhatsApp Cloud API, SMTP."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from schemas.enums import Flag
from schemas.routing import ComplaintAssigned
from services.runtime.settings import RuntimeSettings
from tests.integration.notifier.endpoints import Endpoints, Mailbox, whatsapp_accepted
from tests.support.processes import ServiceProcess, free_port
from tests.support.stack import service_env

SECRET = "uji-rahasia-webhook-notifier"
PHONE_NUMBER_ID = "482913570016624"
WA_TOKEN = "uji-token-whatsapp-cloud"
WA_PATH = f"/graph/v21.0/{PHONE_NUMBER_ID}/messages"


def failing(request: object) -> tuple[int, dict[str, str], bytes]:
    return 503, {"Retry-After": "1"}, b"sedang pemeliharaan"


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    with Mailbox() as box:
        yield box


@pytest.fixture(scope="module")
async def endpoints() -> AsyncIterator[Endpoints]:
    async with Endpoints(rules={"/graph/": whatsapp_accepted, "/fail/": failing}) as server:
        yield server


def notifier_env(stack: RuntimeSettings, endpoints: Endpoints, mailbox: Mailbox | None,
                 port: int, **extra: str) -> dict[str, str]:
    env = {
        "TANGGAP_NOTIFIER_WEB_PORT": str(port),
        "TANGGAP_NOTIFIER_WEBHOOK_URL": f"{endpoints.url}/hooks/{{agency}}",
        "TANGGAP_NOTIFIER_WEBHOOKS": json.dumps({"dlh": f"{endpoints.url}/fail/dlh"}),
        "TANGGAP_NOTIFIER_WEBHOOK_SECRET": SECRET,
        "TANGGAP_NOTIFIER_WHATSAPP_API_URL": f"{endpoints.url}/graph",
        "TANGGAP_NOTIFIER_WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "TANGGAP_NOTIFIER_WHATSAPP_TOKEN": WA_TOKEN,
        "TANGGAP_NOTIFIER_MAX_ATTEMPTS": "3",
        "TANGGAP_NOTIFIER_BACKOFF_INITIAL_SECONDS": "0.05",
        "TANGGAP_NOTIFIER_BACKOFF_MAX_SECONDS": "0.2",
        "TANGGAP_NOTIFIER_RETRY_AFTER_MAX_SECONDS": "5",
    }
    if mailbox is not None:
        env.update({"TANGGAP_NOTIFIER_SMTP_HOST": "127.0.0.1",
                    "TANGGAP_NOTIFIER_SMTP_PORT": str(mailbox.port),
                    "TANGGAP_NOTIFIER_SMTP_STARTTLS": "false"})
    env.update(extra)
    return service_env(stack.topic_prefix, **env)


@pytest.fixture(scope="module")
async def notifier(stack: RuntimeSettings, endpoints: Endpoints, mailbox: Mailbox
                   ) -> AsyncIterator[ServiceProcess]:
    port = free_port()
    proc = ServiceProcess("notifier", port, notifier_env(stack, endpoints, mailbox, port),
                          tag="it-notifier")
    await proc.start()
    try:
        yield proc
    finally:
        proc.stop()


def assignment(agency: str = "dinas-pupr", flags: tuple[Flag, ...] = ()) -> ComplaintAssigned:
    """A case assigned to an agency, as the router would publish it."""
    n = uuid.uuid4().int % 1_000_000
    return ComplaintAssigned(
        complaint_id=f"c-{uuid.uuid4().hex}", ticket=f"KTP-2026-{n:06d}", agency=agency,
        rules_version="test", kecamatan="Delta Pawan", flags=flags,
        text="Jalan rusak parah di depan SDN 3 Sukaharja, lubang besar membahayakan")
