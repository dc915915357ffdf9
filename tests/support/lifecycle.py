"""A complete, hand-built case life as its services would log it: for audit tests and benches.

Triaged, assigned by an operator, redirected twice, warned, breached, escalated and answered,
with the notifications about it; caused events share their cause's time, so only the
causation chain can order them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.enums import Channel, NotificationChannel, ResponseKind
from schemas.envelope import Event
from schemas.intake import ComplaintAcknowledged, ComplaintReceived
from schemas.notifications import NotificationDelivered, NotificationFailed
from schemas.responses import AgencyResponded
from schemas.routing import (
    AssignComplaint,
    ComplaintAssigned,
    ComplaintRedirected,
    ComplaintTriaged,
)
from schemas.sla import SlaBreached, SlaEscalated, SlaMet, SlaStarted, SlaStopped, SlaWarning
from schemas.topics import (
    ACKNOWLEDGED,
    ASSIGNED,
    COMMANDS,
    NOTIFY_OUTCOMES,
    RECEIVED,
    REDIRECTED,
    RESPONSES,
    SLA,
    TRIAGE,
)

T0 = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)
# The types in the order the timeline must show them (the new assignment and the old clock's
# stop are both effects of a redirection, at its time: log position orders those two).
EXPECTED_TYPES = (
    "ComplaintReceived", "ComplaintAcknowledged", "ComplaintTriaged",
    "AssignComplaint", "ComplaintAssigned", "SlaStarted", "NotificationDelivered",
    "AgencyResponded", "ComplaintRedirected", "ComplaintAssigned", "SlaStopped", "SlaStarted",
    "AgencyResponded", "ComplaintRedirected", "ComplaintAssigned", "SlaStopped", "SlaStarted",
    "SlaWarning", "SlaBreached", "SlaEscalated", "NotificationFailed", "AgencyResponded",
    "SlaMet",
)


def case_life(cid: str, ticket: str, t0: datetime = T0) -> list[tuple[str, Event]]:
    """(catalogue topic, event) of one case, in the order its services would produce them."""
    out: list[tuple[str, Event]] = []

    def add(topic: str, event: Event) -> Event:
        out.append((topic, event))
        return event

    at = t0
    rec = add(RECEIVED.name, ComplaintReceived(
        complaint_id=cid, ticket=ticket, channel=Channel.WHATSAPP, occurred_at=at,
        channel_message_id=f"wamid-{cid}", text="Lampu jalan mati dan got mampet di Jl. Pawan",
        reporter_id="r-1", kecamatan="kec-delta-pawan"))
    add(ACKNOWLEDGED.name, ComplaintAcknowledged(
        **rec.caused("ack"), occurred_at=at, ticket=ticket, channel=Channel.WHATSAPP,
        notify_channel=NotificationChannel.WHATSAPP))
    # Its NotificationRequested (on notifications.requests) carries the citizen's address, which
    # only intake and the notifier may read: the audit sees the request by its outcome.
    add(TRIAGE.name, ComplaintTriaged(
        **rec.caused("routed"), occurred_at=at + timedelta(seconds=1), ticket=ticket,
        agency="diskominfo", confidence=0.3, rules_version="r1", reason="two agencies match"))
    at += timedelta(minutes=10)
    cmd = add(COMMANDS.name, AssignComplaint(
        complaint_id=cid, occurred_at=at, agency="dinas-pupr", operator="ani",
        note="got mampet: PUPR"))
    holder = "dinas-pupr"
    assigned = add(ASSIGNED.name, ComplaintAssigned(
        **cmd.caused("assigned"), occurred_at=at, ticket=ticket, agency=holder,
        assigned_by="operator", rules_version="r1"))
    started = add(SLA.name, _started(assigned, holder, at))
    add(NOTIFY_OUTCOMES.name, NotificationDelivered(
        **assigned.caused("delivered"), occurred_at=at + timedelta(seconds=2),
        source_event_id=str(assigned.event_id), channel=NotificationChannel.WEBHOOK,
        recipient=holder, attempts=1))
    chain: tuple[str, ...] = ()
    for to in ("dinas-perkim", "dlh"):
        at += timedelta(hours=3)
        said = add(RESPONSES.name, AgencyResponded(
            complaint_id=cid, occurred_at=at, agency=holder, kind=ResponseKind.NOT_OURS,
            message=f"Bukan kewenangan kami, mohon ke {to}", redirect_to=to))
        chain = (*chain, holder)
        moved = add(REDIRECTED.name, ComplaintRedirected(
            **said.caused("redirected"), occurred_at=at, ticket=ticket, from_agency=holder,
            to_agency=to, reason="not ours", agency_chain=chain))
        add(SLA.name, SlaStopped(
            **moved.caused("stopped"), occurred_at=at, clock_id=started.clock_id,
            agency=holder, due_at=started.due_at, reason="redirected"))
        holder = to
        assigned = add(ASSIGNED.name, ComplaintAssigned(
            **moved.caused("assigned"), occurred_at=at, ticket=ticket, agency=holder,
            assigned_by="redirect", agency_chain=chain, rules_version="r1"))
        started = add(SLA.name, _started(assigned, holder, at))
    due = started.due_at
    add(SLA.name, SlaWarning(**started.caused("warn"), occurred_at=due - timedelta(hours=4),
                             clock_id=started.clock_id, agency=holder, due_at=due,
                             fraction=0.8, fire_at=due - timedelta(hours=4)))
    breached = add(SLA.name, SlaBreached(**started.caused("breach"), occurred_at=due,
                                         clock_id=started.clock_id, agency=holder, due_at=due))
    escalated = add(SLA.name, SlaEscalated(
        **breached.caused("escalate"), occurred_at=due, clock_id=started.clock_id,
        agency=holder, due_at=due, level=1, escalate_to="head_of_agency", fire_at=due))
    add(NOTIFY_OUTCOMES.name, NotificationFailed(
        **escalated.caused("failed"), occurred_at=due + timedelta(seconds=30),
        source_event_id=str(escalated.event_id), channel=NotificationChannel.EMAIL,
        recipient="dlh:head", attempts=5, reason="SMTP 451 try again later"))
    answered = add(RESPONSES.name, AgencyResponded(
        complaint_id=cid, occurred_at=due + timedelta(hours=2), agency=holder,
        kind=ResponseKind.FIRST_RESPONSE, message="Petugas DLH sudah membersihkan got"))
    add(SLA.name, SlaMet(**answered.caused("met"), occurred_at=answered.occurred_at,
                         clock_id=started.clock_id, agency=holder, due_at=due,
                         met_at=answered.occurred_at, elapsed_seconds=50 * 3600.0,
                         within_target=False))
    return out


def _started(assigned: ComplaintAssigned, agency: str, at: datetime) -> SlaStarted:
    return SlaStarted(**assigned.caused("started"), occurred_at=at,
                      clock_id=f"{assigned.complaint_id}:{agency}:response", agency=agency,
                      due_at=at + timedelta(hours=48), policy_version="p1", started_at=at)
