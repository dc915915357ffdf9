"""SLA's Faust worker: start_clock consumes complaints.assigned."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import Counter

from schemas.envelope import Event
from schemas.routing import ComplaintAssigned
from schemas.topics import ASSIGNED, SLA
from services.runtime.producer import Outgoing
from services.runtime.stream import StreamService
from services.sla.settings import SlaSettings
from services.sla.start import start_clock

STARTED = Counter("sla_clocks_started_total", "Clocks started", ["agency"])


def build(settings: SlaSettings) -> StreamService:
    service = StreamService("sla", settings, web_port=settings.sla_web_port)

    async def start_clocks(event: Event) -> Sequence[Outgoing]:
        assert isinstance(event, ComplaintAssigned)
        started = start_clock(event, settings.response_target_seconds)
        STARTED.labels(agency=event.agency).inc()
        return [(SLA.name, started)]

    service.consume(ASSIGNED, start_clocks, name="start_clocks")
    return service
