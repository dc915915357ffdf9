"""Text normalisation for routing: lower-case, strip noise, split reduplication, expand slang."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

BOUNDARY = "|"  # sentence or clause break: phrases never match across it

_URL = re.compile(r"https?://\S+|www\.\S+|\b[\w-]+\.(?:com|id|ly|co|net|me|xyz)\b\S*")
_MENTION = re.compile(r"[@#](\w+)")
# "anak2", "gali2", "kecil2an": Indonesian writes reduplication with a digit 2.
_REDUPLICATED = re.compile(r"\b([a-z]{2,})2([a-z]*)\b")
_TOKEN = re.compile(r"[a-z]+|\d+|[.,!?;:\n/()]+")
# Ketapang Malay writes the suffix -nya as -nye ("ngalirnye", "airnye").
_MALAY_NYE = re.compile(r"^([a-z]{3,})nye$")
# Digits standing for letters inside a word, as in censored insults: "g0bl0k", "b4ngsat".
_LEET = re.compile(r"(?<=[a-z])[013457](?=[a-z])")
_LEET_LETTERS = str.maketrans("013457", "oieast")
# The dot of an abbreviation ("Jl. Suprapto", "Gg. Mawar") does not end the clause.
_ABBREVIATION_DOT = re.compile(
    r"\b(jl|jln|gg|kec|kel|ds|no|rt|rw|dr|drs|sdr|sdri|bpk|ibu|yth|kab|prov|tlp|telp|hp|st|h)\.")
# "buka ga?", "sudah cair belum ya?": a negator that ends a question asks yes or no; it says
# nothing is missing. It becomes the question particle "kah".
_QUESTION_TAG = re.compile(
    r"\b(?:ga|gak|gk|nggak|ngga|enggak|engga|tidak|tdk|ndak|nda|belum|blm)(\s+(?:ya|yah|sih))?"
    r"\s*\?")
_PARTICLE = re.compile(r"^([a-z]{4,}?)(nya|lah|kah|pun|mu|lu|tuh)$")


def _unleet(match: re.Match[str]) -> str:
    return match.group(0).translate(_LEET_LETTERS)


def light_stem(word: str) -> str:
    """Strip a trailing particle only ("bangsatnya" -> "bangsat"), for words matched as written."""
    return _PARTICLE.sub(r"\1", word)


class Normalizer:
    """Turns a citizen's message into standard-Indonesian tokens with clause boundaries."""

    def __init__(self, expand: Mapping[str, str]) -> None:
        self._expand = {key: tuple(value.split()) for key, value in expand.items()}

    def expand(self, word: str) -> tuple[str, ...]:
        """The standard form(s) of one lower-case word."""
        return self._expand.get(word, (word,))

    def tokens(self, text: str) -> tuple[str, ...]:
        """Lower-cased, slang-expanded tokens; punctuation becomes a single BOUNDARY."""
        cleaned = unicodedata.normalize("NFKC", text).lower()
        cleaned = _URL.sub(" tautan ", cleaned)
        cleaned = _ABBREVIATION_DOT.sub(r"\1 ", cleaned)
        cleaned = _QUESTION_TAG.sub(r" kah\1 ?", cleaned)
        cleaned = _MENTION.sub(r" \1 ", cleaned)
        cleaned = _REDUPLICATED.sub(r"\1 \1\2", cleaned)
        cleaned = _LEET.sub(_unleet, cleaned)
        cleaned = cleaned.replace("-", " ").replace("'", "").replace("\u2019", "")
        out: list[str] = []
        for raw in _TOKEN.findall(cleaned):
            if not raw[0].isalnum():
                if out and out[-1] != BOUNDARY:
                    out.append(BOUNDARY)
                continue
            word = _MALAY_NYE.sub(r"\1nya", raw)
            out.extend(self.expand(word))
        while out and out[-1] == BOUNDARY:
            out.pop()
        return tuple(out)


def segments(tokens: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) index ranges of the clauses between boundaries."""
    spans: list[tuple[int, int]] = []
    start = 0
    for i, token in enumerate(tokens):
        if token == BOUNDARY:
            if i > start:
                spans.append((start, i))
            start = i + 1
    if start < len(tokens):
        spans.append((start, len(tokens)))
    return spans
