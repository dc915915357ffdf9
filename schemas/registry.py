"""Every event type by name: the one table the codec and the JSON Schema export read."""

from __future__ import annotations

from schemas import intake, notifications, responses, routing, sla, verdicts
from schemas.envelope import Event

_MODULES = (intake, routing, responses, sla, notifications, verdicts)


def _collect() -> dict[str, type[Event]]:
    found: dict[str, type[Event]] = {}
    for module in _MODULES:
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, Event)
                    and value.__module__ == module.__name__):
                name = value.model_fields["type"].default
                if isinstance(name, str) and name:
                    found[name] = value
    return found


EVENT_TYPES: dict[str, type[Event]] = _collect()
