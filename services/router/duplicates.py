"""Near-duplicates: an earlier open case about the same incident, by place and wording."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz

from services.router.decide import Parent
from services.router.lexicon import BOUNDARY
from services.router.rules import RuleSet


@dataclass(frozen=True)
class Candidate:
    """An open, unlinked case held by the same agency, received within the window."""

    complaint_id: str
    ticket: str
    content: str  # content_words() of its text
    kecamatan: str | None
    received_at: datetime


def content_words(text: str, rules: RuleSet) -> str:
    """The stemmed words that carry meaning, in order: what two reports are compared on."""
    stems = rules.stemmer.stems(rules.normalizer.tokens(text))
    return " ".join(s for s in stems
                    if s != BOUNDARY and not s.isdigit() and s not in rules.stopwords)


def similarity(a: str, b: str) -> float:
    """Token-set similarity in [0, 1]: word order and extra detail matter little."""
    if not a or not b:
        return 0.0
    return fuzz.token_set_ratio(a, b) / 100.0


def find_parent(content: str, kecamatan: str | None, received_at: datetime,
                candidates: Iterable[Candidate], rules: RuleSet) -> Parent | None:
    """The most similar earlier case of the same place above the threshold, if any."""
    settings = rules.source.duplicates
    best: Parent | None = None
    for candidate in candidates:
        if candidate.kecamatan != kecamatan or candidate.received_at > received_at:
            continue
        hours = (received_at - candidate.received_at).total_seconds() / 3600
        if hours > settings.window_hours:
            continue
        needed = (settings.min_similarity if kecamatan is not None
                  else settings.min_similarity_without_place)
        score = similarity(content, candidate.content)
        if score >= needed and (best is None or score > best.similarity):
            best = Parent(candidate.complaint_id, candidate.ticket, score)
    return best
