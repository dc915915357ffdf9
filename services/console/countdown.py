"""The 2 x 24 h clock as people read it: "sisa 29 j 55 m", its colour, and its state.

Babel's format_timedelta rounds ("dalam 1 hari" for 30 hours), which hides exactly the hours
an agency is counting, so the console writes hours and minutes itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

AMBER_SECONDS = 12 * 3600  # under 12 hours left the badge turns amber (as the issue asks)

GREEN, AMBER, RED, GREY = "hijau", "kuning", "merah", "abu"


@dataclass(frozen=True)
class Badge:
    """What the deadline badge shows: its words, its colour, and the seconds left (sortable)."""

    label: str
    colour: str
    seconds_left: float | None


def hours_minutes(seconds: float) -> str:
    """Whole hours and minutes of a duration, never rounded up: 107_700 s -> "29 j 55 m"."""
    total_minutes = int(abs(seconds) // 60)
    hours, minutes = divmod(total_minutes, 60)
    if hours == 0:
        return f"{minutes} m"
    return f"{hours} j {minutes} m"


def badge(due_at: datetime | None, clock_state: str | None, now: datetime) -> Badge:
    """The badge of a case's response clock at `now` (state: running, paused, met, ...)."""
    if clock_state == "met":
        return Badge("ditanggapi", GREY, None)
    if clock_state == "stopped":
        return Badge("jam dihentikan", GREY, None)
    if due_at is None:
        return Badge("belum ada tenggat", GREY, None)
    left = (due_at - now).total_seconds()
    if clock_state == "paused":
        return Badge(f"dijeda, sisa {hours_minutes(left)}", GREY, left)
    if left < 0:
        return Badge(f"terlambat {hours_minutes(left)}", RED, left)
    if left < 60:
        return Badge("sisa < 1 m", AMBER, left)
    colour = AMBER if left < AMBER_SECONDS else GREEN
    return Badge(f"sisa {hours_minutes(left)}", colour, left)
