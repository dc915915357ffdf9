"""Taking back evidence a message itself denies: negated, denied or resolved matters, things the
speaker did, and dangers that are over or only feared.

A phrase match is evidence that something is wrong; these checks remove the matches whose own
words say otherwise, so that "listrik sudah kami matikan" (we switched the power off) is no power
cut and "jalan sudah diperbaiki" no road damage. Everything works on one sub-clause: the words
between two boundaries or contrast words ("tapi", "namun"), so "X sudah normal, tapi Y rusak"
keeps Y.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from services.router.lexicon import BOUNDARY
from services.router.phrases import Match

# A resolved sub-clause still names the matter ("iuran sudah dibayar, tapi status menunggak"):
# its evidence counts as setting, not as the complaint, and never decides outright.
RESOLVED_FACTOR = 1 / 3
DENIAL_REACH = 2  # words between a denial ("bukan soal") and the matter it denies
# The endings of a transitive verb: after a first-person pronoun ("kami matikan", "sy
# matiin") the speaker did it; the state word inside is no defect.
_TRANSITIVE = ("kan", "kin", "in")

# Markers: owners of phrases compiled into the same index, in a layer of their own.
RESOLVED, DENIAL, PAST, ONGOING, HYPOTHETICAL = (
    "flag:resolved", "flag:denial", "flag:past", "flag:ongoing", "flag:hypothetical")
MARKERS = frozenset({RESOLVED, DENIAL})
TAKEN_BACK = ("category:", "flag:hazard")  # what a negation, denial or resolution removes


@dataclass(frozen=True)
class Words:
    """The closed word classes the checks read (stems, as the phrases are)."""

    negators: frozenset[str]  # tidak, belum, bukan
    contrast: frozenset[str]  # tapi, namun, cuma: a new sub-clause starts
    speaker: frozenset[str]  # saya, kami, kita


@dataclass(frozen=True)
class Settled:
    matches: list[Match]
    over: bool  # a danger was spoken of, but only as past, resolved or feared


def sub_clauses(stems: Sequence[str], contrast: frozenset[str]) -> list[int]:
    """The sub-clause number of every position (boundaries and contrast words open a new one)."""
    out, clause = [], 0
    for stem in stems:
        if stem == BOUNDARY or stem in contrast:
            clause += 1
        out.append(clause)
    return out


def _negated_inside(match: Match, stems: Sequence[str], negators: frozenset[str]) -> bool:
    """A negator between the words of a phrase and not one of them: "listrik tidak mati"."""
    first, last = min(match.positions), max(match.positions)
    return any(stems[i] in negators for i in range(first + 1, last) if i not in match.positions)


def _speaker_did_it(match: Match, tokens: Sequence[str], speaker: frozenset[str]) -> bool:
    """"listrik sudah kami matikan": a pronoun before a later word in its transitive form."""
    first = min(match.positions)
    return any(i > first and tokens[i - 1] in speaker and tokens[i].endswith(_TRANSITIVE)
               for i in match.positions)


def settle(matches: list[Match], tokens: Sequence[str], stems: Sequence[str],
           words: Words) -> Settled:
    """The matches that still count, and whether a danger was mentioned only as over/feared."""
    clause = sub_clauses(stems, words.contrast)
    # "sudah 3 minggu belum selesai" is not resolved: a negator inside takes it back too.
    resolved = {clause[min(m.positions)] for m in matches if m.phrase.owner == RESOLVED
                and not _negated_inside(m, stems, words.negators)}
    # What the speaker switched off or cut is not broken, nor is the thing it names with
    # another phrase ("meteran listrik udh sy matikan": neither the cut nor the meter).
    acted_on = {i for m in matches if m.phrase.owner.startswith("category:")
                and _speaker_did_it(m, tokens, words.speaker) for i in m.positions}
    denied_until: dict[int, int] = {}  # sub-clause -> last position a denial reaches
    for m in matches:
        if m.phrase.owner == DENIAL and not tokens[min(m.positions)].endswith(("nya", "kah")):
            c = clause[max(m.positions)]
            denied_until[c] = max(denied_until.get(c, -1), max(m.positions) + DENIAL_REACH + 1)
    time = {owner: {clause[min(m.positions)] for m in matches if m.phrase.owner == owner}
            for owner in (PAST, ONGOING, HYPOTHETICAL)}
    kept: list[Match] = []
    over = False
    for m in matches:
        owner = m.phrase.owner
        if owner in MARKERS:
            continue
        start = min(m.positions)
        c = clause[start]
        if owner.startswith(TAKEN_BACK):
            if c in resolved and owner != "flag:hazard":
                kept.append(Match(replace(m.phrase, weight=m.phrase.weight * RESOLVED_FACTOR,
                                          decisive=False, context=True), m.positions))
                continue
            if (c in resolved or start <= denied_until.get(c, -1)
                    or _negated_inside(m, stems, words.negators)
                    or _speaker_did_it(m, tokens, words.speaker) or m.positions & acted_on):
                over = over or owner == "flag:hazard"
                continue
            if owner == "flag:hazard":
                # A danger is live unless its own sub-clause puts it in the past or the future
                # ("bulan lalu ... tenggelam", "takutnya nanti longsor") and nothing there says
                # it is still going on. A negator before it is no all-clear ("lansia belum
                # dievakuasi"); "tidak ada korban" is a marker of its own.
                if (c in time[PAST] or c in time[HYPOTHETICAL]) and c not in time[ONGOING]:
                    over = True
                    continue
        elif owner == "flag:problem" and c in resolved:
            continue  # "mati lampu tadi sudah nyala lagi": no grievance left in that clause
        kept.append(m)
    return Settled(kept, over)
