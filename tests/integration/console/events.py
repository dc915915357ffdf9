"""Lifecycle events of one made-up case, as the other services would publish them."""

from __future__ import annotations

from datetime import datetime, timedelta

from schemas.enums import Channel, Flag
from schemas.intake import ComplaintReceived
from schemas.routing import ComplaintAssigned, ComplaintSuppressed, ComplaintTriaged
from schemas.sla import SlaStarted

TEXT = "Jalan rusak parah di Jl. Gajah Mada, banyak lubang, hubungi [telepon]"


def received(cid: str, ticket: str, when: datetime, text: str = TEXT,
             confidential: bool = False, channel: Channel = Channel.WHATSAPP,
             kecamatan: str | None = "kec-delta-pawan") -> ComplaintReceived:
    return ComplaintReceived(complaint_id=cid, occurred_at=when, ticket=ticket, channel=channel,
                             channel_message_id=f"m-{cid}", text=text, kecamatan=kecamatan,
                             confidential=confidential)


def triaged(cid: str, ticket: str, when: datetime) -> ComplaintTriaged:
    return ComplaintTriaged(complaint_id=cid, occurred_at=when, ticket=ticket,
                            agency="diskominfo", category="jalan-jembatan-drainase",
                            confidence=0.42, rules_version="v-test", text=TEXT,
                            reason="category jalan-jembatan-drainase (score 1, runner-up 0.8)")


def assigned(cid: str, ticket: str, agency: str, when: datetime) -> ComplaintAssigned:
    return ComplaintAssigned(complaint_id=cid, occurred_at=when, ticket=ticket, agency=agency,
                             category="jalan-jembatan-drainase", rules_version="v-test",
                             text=TEXT, reason="category jalan-jembatan-drainase")


def started(cid: str, agency: str, when: datetime, hours: float = 48) -> SlaStarted:
    return SlaStarted(complaint_id=cid, occurred_at=when, clock_id=f"{cid}:{agency}:response",
                      agency=agency, due_at=when + timedelta(hours=hours),
                      policy_version="p-test", started_at=when)


def suppressed(cid: str, ticket: str, when: datetime) -> ComplaintSuppressed:
    return ComplaintSuppressed(complaint_id=cid, occurred_at=when, ticket=ticket,
                               agency="diskominfo", flags=(Flag.POLITICAL,),
                               rules_version="v-test", text="Pilih calon nomor urut dua!",
                               reason="political: campaign content")
