"""Sastrawi stemming behind a cache: Sastrawi is slow per word, and complaint vocabulary repeats."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from services.router.lexicon import BOUNDARY

# Abbreviations (ktp, pju, pdam, sd) must not be stemmed into something else.
_MIN_STEM_LENGTH = 4


def _sastrawi() -> Any:
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


def root_words() -> frozenset[str]:
    """Sastrawi's dictionary of Indonesian root words (kata dasar)."""
    import Sastrawi

    path = Path(Sastrawi.__file__).parent / "Stemmer" / "data" / "kata-dasar.txt"
    return frozenset(w.strip() for w in path.read_text(encoding="utf-8").split() if w.strip())


class Stemmer:
    """Stems tokens to their root word, then maps slang roots to standard ones."""

    def __init__(self, after: Mapping[str, str] | None = None, keep: Iterable[str] = (),
                 cache_size: int = 200_000, backend: Callable[[], Any] = _sastrawi,
                 roots: Mapping[str, str] | None = None) -> None:
        self._backend_factory = backend
        self._keep = frozenset(keep)
        # Derived forms whose Sastrawi root means something else, and the root of their own
        # they share instead ("diperbaiki", "perbaikan" -> "perbaiki", not "baik").
        self._roots = dict(roots or {})
        self._backend: Any = None
        # Only single-word slang applies after stemming ("ngalir" -> "alir").
        self._after = {k: v for k, v in (after or {}).items() if " " not in v}
        self.stem = lru_cache(maxsize=cache_size)(self._stem)

    def _stem(self, token: str) -> str:
        if token in self._roots:
            return self._roots[token]
        if token == BOUNDARY or token.isdigit() or len(token) < _MIN_STEM_LENGTH \
                or token in self._keep:
            return token
        if self._backend is None:
            self._backend = self._backend_factory()
        root = self._backend.stem(token) or token
        mapped = self._after.get(root)
        if mapped is not None and mapped != token:
            return self.stem(mapped)  # "ngalirnya" -> "ngalir" -> "mengalir" -> "alir"
        return root

    def stems(self, tokens: Iterable[str]) -> tuple[str, ...]:
        """Stem every token; boundaries and numbers pass through."""
        return tuple(self.stem(t) for t in tokens)
