"""Recognising the kecamatan of a complaint from kecamatan and village names in its text."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process

from services.router.lexicon import BOUNDARY, Normalizer

PREFIXES = frozenset({"kecamatan", "desa", "kelurahan", "dusun", "kampung", "dsn", "kampong"})
FUZZY_MIN_CHARS = 7  # shorter names only match exactly: too many ordinary words are close
FUZZY_CUTOFF = 88.0
MAX_WORDS = 4


@dataclass(frozen=True)
class Place:
    kecamatan: str  # the kecamatan office's agency code, e.g. kec-delta-pawan
    kind: str  # "kecamatan", "urban" (a kelurahan of the capital) or "village"
    needs_prefix: bool


@dataclass(frozen=True)
class Location:
    kecamatan: str | None
    evidence: str  # the words that gave it away, for the decision's reason
    # Token spans of multi-word place names found ("Sungai Besar"): their words name a place,
    # not a matter, so they are no evidence for an agency.
    spans: tuple[tuple[int, int], ...] = ()


class Gazetteer:
    """Kecamatan and village names as token tuples, matched exactly, then fuzzily."""

    def __init__(self, data: Mapping[str, Any], normalizer: Normalizer,
                 common_words: frozenset[str]) -> None:
        self.names: dict[str, str] = {}  # kecamatan code -> display name
        self._places: dict[tuple[str, ...], list[Place]] = defaultdict(list)
        for code, entry in data["kecamatan"].items():
            self.names[code] = entry["name"]
            prefixed = bool(entry.get("needs_prefix", False))
            for name in (entry["name"], *entry.get("aliases", ())):
                self._add(normalizer, name, Place(code, "kecamatan", prefixed), common_words)
            for kind, key in (("urban", "urban_villages"), ("village", "villages")):
                for name in entry.get(key, ()):
                    self._add(normalizer, name, Place(code, kind, False), common_words)
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for words in self._places:
            joined = "".join(words)
            if len(joined) >= FUZZY_MIN_CHARS:
                self._by_initial[joined[0]].append(joined)
        self._joined = {"".join(words): words for words in self._places}
        self._common = common_words
        # The fuzzy match depends on the words alone, and words repeat from message to message.
        self._lookup = lru_cache(maxsize=1 << 16)(self._match)

    def _add(self, normalizer: Normalizer, name: str, place: Place,
             common_words: frozenset[str]) -> None:
        words = tuple(w for w in normalizer.tokens(name) if w != BOUNDARY)
        # A one-word name that is also an ordinary word ("Baru", "Padang", "Istana") only
        # counts after "desa"/"kelurahan"/"kecamatan".
        prefixed = place.needs_prefix or (len(words) == 1 and words[0] in common_words)
        entry = Place(place.kecamatan, place.kind, prefixed)
        self._places[words].append(entry)
        if 1 < len(words) <= 2:  # "Suka Harja" is also written "Sukaharja"
            self._places[("".join(words),)].append(entry)

    def code_of(self, name: str | None, normalizer: Normalizer) -> str | None:
        """The kecamatan code for a code or a kecamatan name given by a channel, if known."""
        if not name:
            return None
        if name in self.names:
            return name
        words = tuple(w for w in normalizer.tokens(name) if w not in (BOUNDARY, "kecamatan"))
        codes = {p.kecamatan for p in self._places.get(words, ()) if p.kind == "kecamatan"}
        return codes.pop() if len(codes) == 1 else None

    def _match(self, words: tuple[str, ...]) -> tuple[tuple[str, ...], list[Place]] | None:
        if words in self._places:
            return words, self._places[words]
        joined = "".join(words)
        if len(joined) < FUZZY_MIN_CHARS or (len(words) == 1 and words[0] in self._common):
            return None
        choices = self._by_initial.get(joined[0], ())
        best = process.extractOne(joined, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if best is None:
            return None
        name = self._joined[best[0]]
        return name, self._places[name]

    def find(self, tokens: tuple[str, ...]) -> Location:
        """The kecamatan the message is about: named kecamatan first, then unambiguous villages."""
        hits: list[tuple[str, Place]] = []
        spans: list[tuple[int, int]] = []
        i = 0
        while i < len(tokens):
            for n in range(min(MAX_WORDS, len(tokens) - i), 0, -1):
                words = tokens[i:i + n]
                if BOUNDARY in words:
                    continue
                found = self._lookup(words)
                if found is None:
                    continue
                name, places = found
                prefixed = i > 0 and tokens[i - 1] in PREFIXES
                usable = [p for p in places if prefixed or not p.needs_prefix]
                if usable:
                    hits.extend((" ".join(name), p) for p in usable)
                    if n > 1:
                        spans.append((i, i + n))
                    i += n - 1
                    break
            i += 1
        return replace(resolve(hits), spans=tuple(spans))


def resolve(hits: Iterable[tuple[str, Place]]) -> Location:
    """Pick one kecamatan: a named kecamatan wins; an ambiguous village needs a tie-break."""
    hits = list(hits)
    named = Counter(p.kecamatan for _, p in hits if p.kind == "kecamatan")
    if named:
        code, _ = named.most_common(1)[0]
        return Location(code, next(w for w, p in hits if p.kecamatan == code))
    by_name: dict[str, set[Place]] = defaultdict(set)
    for words, place in hits:
        by_name[words].add(place)
    for words, places in by_name.items():
        codes = {p.kecamatan for p in places}
        if len(codes) == 1:
            return Location(codes.pop(), words)
        urban = {p.kecamatan for p in places if p.kind == "urban"}
        if len(urban) == 1:  # the capital's kelurahan is the likelier of two namesakes
            return Location(urban.pop(), words)
    return Location(None, "")
