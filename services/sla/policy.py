"""The tenant's SLA policy file: targets, warnings, escalation levels, calendars and overrides."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from schemas.enums import Priority, SlaTarget
from services.sla.calendars import CalendarSpec, build_calendar
from services.sla.working_time import Calendar

_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([dhms])")


def parse_duration(value: object) -> float:
    """Seconds from a number or text such as "48h", "2d", "1h30m" or "2.5s"."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and value.strip():
        text = value.replace(" ", "")
        parts = _DURATION.findall(text)
        if "".join(n + u for n, u in parts) != text:
            raise ValueError(f"not a duration: {value!r} (use e.g. 48h, 2d, 90m, 3s)")
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    else:
        raise ValueError(f"not a duration: {value!r}")
    if seconds < 0:
        raise ValueError(f"negative duration: {value!r}")
    return seconds


Seconds = Annotated[float, BeforeValidator(parse_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Escalation(_Strict):
    """Who hears of a breached clock, and how long after the deadline."""

    to: str = Field(min_length=1, max_length=64)  # role: head_of_agency, regional_secretary
    after: Seconds = 0.0


class Terms(_Strict):
    """Everything a clock needs to run; a policy resolves these per case and target."""

    calendar: str
    response: Seconds = Field(gt=0)
    resolution: Seconds = Field(gt=0)
    warnings: tuple[float, ...] = (0.5, 0.8)
    escalation: tuple[Escalation, ...] = ()

    @model_validator(mode="after")
    def _fractions(self) -> Terms:
        if any(not 0 < f < 1 for f in self.warnings):
            raise ValueError("warning fractions must lie strictly between 0 and 1")
        return self

    def target(self, target: SlaTarget) -> float:
        return self.response if target is SlaTarget.RESPONSE else self.resolution


class Match(_Strict):
    agency: str | None = None
    category: str | None = None
    priority: Priority | None = None


class Override(_Strict):
    """Fields replaced for the cases that match `when`; unset fields keep their value."""

    when: Match
    calendar: str | None = None
    response: Seconds | None = None
    resolution: Seconds | None = None
    warnings: tuple[float, ...] | None = None
    escalation: tuple[Escalation, ...] | None = None


class PolicyFile(_Strict):
    version: str = Field(min_length=1, max_length=64)
    timezone: str
    calendars: dict[str, CalendarSpec]
    defaults: Terms
    overrides: tuple[Override, ...] = ()

    @model_validator(mode="after")
    def _calendars_exist(self) -> PolicyFile:
        named = [self.defaults.calendar] + [o.calendar for o in self.overrides if o.calendar]
        missing = sorted(set(named) - set(self.calendars))
        if missing:
            raise ValueError(f"unknown calendar(s): {', '.join(missing)}")
        return self


@dataclass(frozen=True)
class Policy:
    """A loaded policy: resolves terms for a case and the calendar a clock counts on."""

    version: str
    timezone: str
    defaults: Terms
    overrides: tuple[Override, ...]
    calendars: dict[str, Calendar]
    # Terms are a pure function of the policy and these three: resolved once per combination
    # (every clock started asks, and a replay starts a clock per assignment).
    _terms: dict[tuple[str, str | None, Priority], Terms] = field(
        default_factory=dict, compare=False, repr=False)

    def terms(self, agency: str, category: str | None, priority: Priority) -> Terms:
        """Defaults with every matching override applied in file order (later ones win)."""
        key = (agency, category, priority)
        cached = self._terms.get(key)
        if cached is None:
            cached = self._terms[key] = self._resolve(agency, category, priority)
        return cached

    def _resolve(self, agency: str, category: str | None, priority: Priority) -> Terms:
        fields: dict[str, Any] = self.defaults.model_dump()
        for override in self.overrides:
            w = override.when
            if ((w.agency is None or w.agency == agency)
                    and (w.category is None or w.category == category)
                    and (w.priority is None or w.priority == priority)):
                fields.update(override.model_dump(exclude={"when"}, exclude_none=True))
        return Terms.model_validate(fields)

    def calendar(self, name: str) -> Calendar:
        """The named calendar; a clock whose calendar was removed counts on the default one."""
        return self.calendars.get(name) or self.calendars[self.defaults.calendar]


def parse_policy(data: object) -> Policy:
    """Validate a policy document (already parsed from YAML)."""
    spec = PolicyFile.model_validate(data)
    calendars = {name: build_calendar(c, spec.timezone) for name, c in spec.calendars.items()}
    return Policy(spec.version, spec.timezone, spec.defaults, spec.overrides, calendars)


def load_policy(path: Path) -> Policy:
    """Read and validate a tenant's sla.yaml."""
    return parse_policy(yaml.safe_load(path.read_text(encoding="utf-8")))
