"""Router's Faust worker: route_complaint consumes complaints.received."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import Counter

from schemas.envelope import Event
from schemas.intake import ComplaintReceived
from schemas.topics import RECEIVED
from services.router.decide import decide
from services.router.settings import RouterSettings
from services.runtime.producer import Outgoing
from services.runtime.stream import StreamService

ROUTED = Counter("router_decisions_total", "Routing decisions", ["agency", "outcome"])


def build(settings: RouterSettings) -> StreamService:
    service = StreamService("router", settings, web_port=settings.router_web_port)
    center = settings.directory().regency.center

    async def route_complaint(event: Event) -> Sequence[Outgoing]:
        assert isinstance(event, ComplaintReceived)
        outgoing = decide(event, center)
        decision = outgoing[0][1]
        ROUTED.labels(agency=getattr(decision, "agency", center), outcome=decision.type).inc()
        return outgoing

    service.consume(RECEIVED, route_complaint, name="route_complaint")
    return service
