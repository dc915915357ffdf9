"""What-if over complaints recorded in the log: names the cases a changed rule moves."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from schemas.enums import Channel
from schemas.intake import ComplaintReceived
from schemas.routing import ComplaintAssigned
from schemas.topics import ASSIGNED, RECEIVED
from services.runtime.settings import RuntimeSettings
from tests.integration.audit.conftest import tanggap
from tests.support.candidates import write_candidate
from tests.support.kafka import produce


async def test_whatif_reads_the_period_from_the_log(stack: RuntimeSettings,
                                                    tmp_path: Path) -> None:
    candidate = write_candidate(tmp_path, model_doubts=False)  # the lamp must move
    now = datetime.now(UTC)
    tag = uuid.uuid4().hex[:8]
    lamp = ComplaintReceived(
        complaint_id=f"wi-{tag}-lamp", ticket=f"KTP-WI-{tag}-1", channel=Channel.WHATSAPP,
        channel_message_id=f"m-{tag}-1", occurred_at=now - timedelta(hours=20),
        text="Lampu jalan di gang kami mati sudah dua minggu, gelap sekali malam hari")
    trash = ComplaintReceived(
        complaint_id=f"wi-{tag}-trash", ticket=f"KTP-WI-{tag}-2", channel=Channel.WHATSAPP,
        channel_message_id=f"m-{tag}-2", occurred_at=now - timedelta(hours=20),
        text="Sampah menumpuk di TPS pasar, bau busuk dan belum diangkut seminggu")
    await produce(stack, RECEIVED.name, lamp, trash)
    held = ComplaintAssigned(complaint_id=trash.complaint_id, ticket=trash.ticket,
                             agency="disnaker", occurred_at=now - timedelta(hours=20),
                             rules_version="it")
    await produce(stack, ASSIGNED.name, held)
    since = (now - timedelta(days=1)).date().isoformat()

    routed = await tanggap(stack.topic_prefix, "whatif", "--since", since, "--rules",
                           str(candidate))
    assert routed.returncode == 0, routed.stderr
    assert f"{lamp.ticket}: dinas-perkim (assigned) -> dinas-pupr (assigned)" in routed.stdout
    assert trash.ticket not in routed.stdout

    timed = await tanggap(stack.topic_prefix, "whatif", "--since", since, "--sla-policy",
                          str(candidate / "sla.yaml"), "--csv", "-")
    assert timed.returncode == 0, timed.stderr
    row = next(line for line in timed.stdout.splitlines() if line.startswith("disnaker,"))
    cells = dict(zip(timed.stdout.splitlines()[0].split(","), row.split(","), strict=True))
    # 20 hours in: within 48 h, past 12 h.
    assert int(cells["breaches_added"]) >= 1
    assert float(cells["median_hours_to_deadline_after"]) == 12.0
