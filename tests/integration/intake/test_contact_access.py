"""Operators read a reporter's contact from intake's registry with a reason; every read is
recorded, agencies are refused, anonymous contacts are withheld and erased ones are gone."""

from __future__ import annotations

import uuid

import asyncpg
import httpx

from services.console.contact_reader import intake_contact_reader
from services.intake.answers.keys import create_agency_key
from services.intake.privacy.erasure import erase_by_ticket
from tests.integration.intake.conftest import OPERATOR_KEY
from tests.support.processes import ServiceProcess

REASON = "konfirmasi lokasi lubang"


async def open_case(intake: ServiceProcess, key: str, **extra: object) -> str:
    body = {"channel": "web", "channel_message_id": f"web-{uuid.uuid4().hex}",
            "text": "Lampu jalan mati di depan pasar sejak seminggu",
            "reporter": {"name": "Rina Wulandari", "phone": "081234567890",
                         "email": "rina@surel.example"}, **extra}
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as http:
        answer = await http.post("/v1/complaints", json=body, headers={"X-API-Key": key})
    assert answer.status_code == 202, answer.text
    return str(answer.json()["ticket"])


async def read_contact(intake: ServiceProcess, ticket: str, reason: str | None = REASON,
                       **headers: str) -> httpx.Response:
    params = {"reason": reason} if reason is not None else {}
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as http:
        return await http.get(f"/v1/cases/{ticket}/contact", params=params, headers=headers)


def operator(**extra: str) -> dict[str, str]:
    return {"X-Operator-Key": OPERATOR_KEY, **extra}


async def accesses(pool: asyncpg.Pool, ticket: str) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT * FROM contact_accesses WHERE ticket = $1"
                            " ORDER BY accessed_at", ticket)


async def test_operator_reads_the_contact_and_the_read_is_recorded(
        operator_intake: ServiceProcess, keys: dict[str, str], intake_pool: asyncpg.Pool
        ) -> None:
    ticket = await open_case(operator_intake, keys["web"], confidential=True)
    answer = await read_contact(operator_intake, ticket, **operator(**{"X-On-Behalf-Of": "op1"}))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["outcome"], body["name"], body["phone"]) == ("shown", "Rina Wulandari",
                                                              "+6281234567890")
    assert body["email"] == "rina@surel.example" and body["channel"] == "web"
    assert body["confidential"] is True and body["ticket"] == ticket
    [access] = await accesses(intake_pool, ticket)
    assert (access["operator"], access["on_behalf_of"], access["reason"], access["outcome"]
            ) == ("ani", "op1", REASON, "shown")
    assert access["access_id"] == body["access_id"] and access["accessed_at"] is not None


async def test_agency_keys_are_refused_and_nothing_is_recorded(
        operator_intake: ServiceProcess, keys: dict[str, str], intake_pool: asyncpg.Pool
        ) -> None:
    ticket = await open_case(operator_intake, keys["web"])
    _, secret = await create_agency_key(intake_pool, "dinas-pupr", "contact-test")
    as_agency = await read_contact(operator_intake, ticket, Authorization=f"Bearer {secret}")
    assert as_agency.status_code == 403, as_agency.text
    as_operator_header = await read_contact(operator_intake, ticket, **{"X-Operator-Key": secret})
    assert as_operator_header.status_code == 403
    assert "operators" in as_agency.json()["detail"]
    assert (await read_contact(operator_intake, ticket)).status_code == 401
    assert (await read_contact(operator_intake, ticket,
                               **{"X-Operator-Key": "tgo_wrong"})).status_code == 401
    assert await accesses(intake_pool, ticket) == []


async def test_a_reason_is_required_and_an_unknown_ticket_is_404(
        operator_intake: ServiceProcess, keys: dict[str, str], intake_pool: asyncpg.Pool
        ) -> None:
    ticket = await open_case(operator_intake, keys["web"])
    for reason in (None, "   ", "ok"):
        missing = await read_contact(operator_intake, ticket, reason=reason, **operator())
        assert missing.status_code == 422, missing.text
        [error] = missing.json()["detail"]
        assert error["loc"] == ["query", "reason"]
    assert "Rina" not in missing.text
    unknown = await read_contact(operator_intake, "KTP-2026-999999", **operator())
    assert unknown.status_code == 404
    assert await accesses(intake_pool, ticket) == []


async def test_anonymous_contact_is_withheld_and_erased_contact_is_gone(
        operator_intake: ServiceProcess, keys: dict[str, str], intake_pool: asyncpg.Pool
        ) -> None:
    anonymous = await open_case(operator_intake, keys["web"], anonymous=True)
    withheld = await read_contact(operator_intake, anonymous, **operator())
    assert withheld.status_code == 200
    assert withheld.json()["outcome"] == "anonymous" and withheld.json()["name"] is None
    assert "Rina" not in withheld.text and "0812" not in withheld.text
    phone = f"0813{uuid.uuid4().int % 10**8:08d}"  # a reporter of their own, to erase
    erased = await open_case(operator_intake, keys["web"],
                             reporter={"name": "Dewi", "phone": phone})
    await erase_by_ticket(intake_pool, erased, "test")
    gone = await read_contact(operator_intake, erased, **operator())
    assert gone.status_code == 410 and gone.json()["detail"].startswith("erased")
    assert "Dewi" not in gone.text
    assert [a["outcome"] for a in await accesses(intake_pool, anonymous)] == ["anonymous"]
    assert [a["outcome"] for a in await accesses(intake_pool, erased)] == ["erased"]


async def test_the_consoles_reader_gets_the_contact_over_http_for_its_user(
        operator_intake: ServiceProcess, keys: dict[str, str], intake_pool: asyncpg.Pool
        ) -> None:
    """The console's side of the contract (services/console/contact_reader.py)."""
    ticket = await open_case(operator_intake, keys["web"])
    async with httpx.AsyncClient() as http:
        contact = await intake_contact_reader(http, operator_intake.url, OPERATOR_KEY)(
            ticket, REASON, "spv")
        refused = await intake_contact_reader(http, operator_intake.url, "tgo_wrong")(
            ticket, REASON, "spv")
    assert (contact.outcome, contact.name, contact.phone) == ("shown", "Rina Wulandari",
                                                              "+6281234567890")
    assert refused.outcome == "refused" and refused.name is None
    [access] = await accesses(intake_pool, ticket)
    assert (access["on_behalf_of"], access["access_id"]) == ("spv", contact.access_id)
