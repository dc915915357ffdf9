"""The console's consumer reads complaints.updated and the citizen's verdicts on the real
Kafka: an edit published before its case opened, a re-opening, each applied once."""

from __future__ import annotations

from schemas.enums import Channel
from schemas.intake import ComplaintEdited
from schemas.topics import ASSIGNED, RECEIVED, RESPONSES, UPDATED
from schemas.verdicts import CitizenVerdict, ComplaintReopened
from services.console.settings import ConsoleSettings
from tests.integration.console.conftest import at, new_id
from tests.integration.console.events import TEXT, assigned, received
from tests.integration.console.test_projection_consumer import running_projection, wait_until


async def test_updated_and_verdict_events_reach_the_projection_once_in_any_order(
        console_settings: ConsoleSettings) -> None:
    async with running_projection(console_settings, "console-it-loop") as run:
        pool, producer, failures = run.pool, run.producer, run.failures
        cid = new_id()
        ticket = f"KTP-UPD-{cid[-6:].upper()}"
        edit = ComplaintEdited(complaint_id=cid, occurred_at=at(-0.5), ticket=ticket,
                               channel=Channel.WHATSAPP, channel_message_id=f"m-{cid}",
                               edit_id="e-1", text="Lubang sekarang dua meter")
        # The edit and the re-opening go out first, and twice: out of order and redelivered.
        first = [(UPDATED.name, edit),
                 (RESPONSES.name, CitizenVerdict(complaint_id=cid, occurred_at=at(-0.3),
                                                 agency="dinas-pupr", round=1, solved=False,
                                                 via="status_page")),
                 (RESPONSES.name, ComplaintReopened(complaint_id=cid, occurred_at=at(-0.2),
                                                    agency="dinas-pupr", round=2))]
        await producer.send_many(first + first)
        await producer.send_many([(RECEIVED.name, received(cid, ticket, at(-2))),
                                  (ASSIGNED.name, assigned(cid, ticket, "dinas-pupr", at(-1.9)))])

        async def applied() -> bool:
            return await pool.fetchval("SELECT count(*) FROM case_events WHERE complaint_id"
                                       " = $1", cid) == 5
        await wait_until(applied)
        row = await pool.fetchrow("SELECT * FROM cases WHERE complaint_id = $1", cid)
        assert (row["text"], row["first_text"]) == ("Lubang sekarang dua meter", TEXT)
        assert (row["status"], row["agency"], row["round"]) == ("reopened", "dinas-pupr", 2)
        assert row["verdict"] == "not_solved" and row["ticket"] == ticket
        assert not failures
