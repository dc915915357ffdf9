"""The agency working on a withdrawn case is told on its desk, as it is of a re-opened one.

Agencies with their own Kafka client read the withdrawal on their assignment topic (the router
forwards it); this notice reaches the desk that works from the notifier's messages.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from schemas.intake import ComplaintWithdrawn
from schemas.notifications import NotificationRequested
from schemas.topics import NOTIFY_REQUESTS
from services.intake.status.projection import ASSIGNED, IN_PROGRESS, REDIRECTED, REOPENED, WAITING
from services.runtime.producer import Outgoing

# An agency holds the case and owes it work; a resolved or closed case is past that.
WORKING = (ASSIGNED, IN_PROGRESS, WAITING, REDIRECTED, REOPENED)


async def holders(conn: asyncpg.Connection, events: Sequence[ComplaintWithdrawn]
                  ) -> dict[str, tuple[str, str]]:
    """complaint id -> (agency, ticket) of the cases an agency is working on; read before the
    withdrawals are applied, since they change the status."""
    if not events:
        return {}
    rows = await conn.fetch(
        "SELECT complaint_id, agency, ticket FROM case_status WHERE complaint_id = ANY($1)"
        " AND status = ANY($2) AND agency IS NOT NULL",
        [e.complaint_id for e in events], list(WORKING))
    return {r["complaint_id"]: (r["agency"], r["ticket"]) for r in rows}


def agency_notices(events: Sequence[ComplaintWithdrawn], held: dict[str, tuple[str, str]],
                   center: str) -> list[Outgoing]:
    """One notice per withdrawn case an agency was working on (derived id: once)."""
    out: list[Outgoing] = []
    for event in events:
        if event.complaint_id not in held:
            continue
        agency, ticket = held[event.complaint_id]
        if agency == center:
            continue
        told = NotificationRequested(
            **event.caused("notify:agency_withdrawn"), channel="webhook",  # type: ignore[arg-type]
            recipient=agency, audience="agency", template="agency_withdrawn",
            context={"ticket": ticket, "complaint_id": event.complaint_id, "agency": agency,
                     "reason": event.reason, "center": center})
        out.append((NOTIFY_REQUESTS.name, told))
    return out
