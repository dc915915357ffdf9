"""Who may see and do what: pure role rules, checked on the server for every page and fragment.

Operators and supervisors work for the center and see every case; agency staff are bound to
one agency and see only the cases that agency holds now. Supervisors also see the suppressed
items' audit view and may release a claim somebody else holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    AGENCY = "agency"


class Can(StrEnum):
    """Permissions; each page or action requires one."""

    TRIAGE = "triage"  # queue, claim, assign, redirect, link, bulk assign, person-taken form
    MONITOR = "monitor"  # SLA board, search, CSV export
    AUDIT = "audit"  # suppressed and political items with their reasons
    RELEASE_ANY_CLAIM = "release_any_claim"
    CONTACT_DATA = "contact_data"  # see who reported (center staff only, never agencies)
    INBOX = "inbox"  # an agency's own cases: answer, not ours, resolve


GRANTS: dict[Role, frozenset[Can]] = {
    Role.OPERATOR: frozenset({Can.TRIAGE, Can.MONITOR, Can.CONTACT_DATA}),
    Role.SUPERVISOR: frozenset({Can.TRIAGE, Can.MONITOR, Can.CONTACT_DATA, Can.AUDIT,
                                Can.RELEASE_ANY_CLAIM}),
    Role.AGENCY: frozenset({Can.INBOX}),
}


@dataclass(frozen=True)
class User:
    """A signed-in person, as the rules need them."""

    username: str
    display_name: str
    role: Role
    agency: str | None = None

    @property
    def is_center(self) -> bool:
        return self.role in (Role.OPERATOR, Role.SUPERVISOR)


def may(user: User, permission: Can) -> bool:
    """Whether the user's role grants the permission."""
    return permission in GRANTS[user.role]


def may_see_case(user: User, holder: str | None) -> bool:
    """Center staff see every case; agency staff only the cases their agency holds now."""
    if user.is_center:
        return True
    return user.agency is not None and holder == user.agency


def may_answer(user: User, holder: str | None, status: str) -> str | None:
    """Why the user may not answer this case now, or None when they may."""
    if user.role is not Role.AGENCY or holder != user.agency:
        return "kasus ini tidak dipegang instansi Anda"
    if status not in ANSWERABLE:
        return f"kasus berstatus {status} dan tidak bisa dijawab"
    return None


# As intake's answer endpoint: a case in transit or closed takes no answer.
ANSWERABLE = frozenset({"assigned", "in_progress", "waiting_for_citizen", "reopened"})


def check_new_user(role: Role, agency: str | None, known_agencies: set[str]) -> str | None:
    """Why this account cannot be created, or None: agency staff need exactly one agency."""
    if role is Role.AGENCY:
        if agency is None:
            return "agency staff must be bound to an agency (--agency)"
        if agency not in known_agencies:
            return f"unknown agency {agency!r}"
    elif agency is not None:
        return "only agency staff are bound to an agency"
    return None
