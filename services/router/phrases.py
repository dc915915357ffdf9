"""Matching rule phrases against a stemmed message, longest match first."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.router.lexicon import BOUNDARY

ANYWHERE = "..."  # in a rule phrase: any number of words may stand here (same clause)
MAX_GAP = 3  # words allowed between the words of a phrase otherwise


@dataclass(frozen=True)
class Phrase:
    """One rule phrase: its stemmed words, weight, and the category or flag it supports."""

    text: str  # as written in the rules, for the audit trail
    stems: tuple[str | None, ...]  # None stands for ANYWHERE
    owner: str
    weight: float
    decisive: bool = False  # names the owner of the matter outright (e.g. "jalan provinsi")
    context: bool = False  # a setting ("sekolah", "pasar"), not the matter itself
    layer: str = "meaning"  # longer phrases hide shorter ones only within the same layer
    exact: bool = False  # match the words as written, unstemmed (profanity, not "kurang ajar"
    #                      out of "kekurangan pengajar")


@dataclass(frozen=True)
class Match:
    phrase: Phrase
    positions: frozenset[int]


def _match_at(stems: Sequence[str], start: int, phrase: Phrase) -> frozenset[int] | None:
    """Positions of `phrase` when it starts at `start`, or None."""
    positions = [start]
    i = start
    words = phrase.stems[1:]
    gap = MAX_GAP
    for word in words:
        if word is None:
            gap = len(stems)
            continue
        j = i + 1
        found = None
        while j < len(stems) and j - i - 1 <= gap and stems[j] != BOUNDARY:
            if stems[j] == word:
                found = j
                break
            j += 1
        if found is None:
            return None
        positions.append(found)
        i = found
        gap = MAX_GAP
    return frozenset(positions)


class PhraseIndex:
    """All phrases of a rule set, indexed by first word for a single pass over a message."""

    def __init__(self, phrases: Iterable[Phrase]) -> None:
        self._by_first: dict[tuple[bool, str], list[Phrase]] = defaultdict(list)
        for phrase in phrases:
            first = phrase.stems[0]
            assert first is not None, f"phrase {phrase.text!r} cannot start with {ANYWHERE}"
            self._by_first[(phrase.exact, first)].append(phrase)

    def find(self, stems: Sequence[str], words: Sequence[str]) -> list[Match]:
        """Each phrase found (once), minus those inside a longer phrase found at the same spot.

        `stems` and `words` are the same message stemmed and as written, position by position.
        """
        found: dict[Phrase, Match] = {}
        for exact, sequence in ((False, stems), (True, words)):
            for start, token in enumerate(sequence):
                for phrase in self._by_first.get((exact, token), ()):
                    if phrase in found:
                        continue
                    positions = _match_at(sequence, start, phrase)
                    if positions is not None:
                        found[phrase] = Match(phrase, positions)
        return _longest_first(found.values())


def _longest_first(matches: Iterable[Match]) -> list[Match]:
    """Drop a match whose words all lie inside a longer kept match ("kebakaran" in
    "kebakaran hutan", "lampu" in "lampu merah"): the longer phrase is the meaning."""
    kept: list[Match] = []
    for match in sorted(matches, key=lambda m: -len(m.positions)):
        if any(match.positions < other.positions and match.phrase.layer == other.phrase.layer
               for other in kept):
            continue
        kept.append(match)
    return kept
