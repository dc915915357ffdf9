"""The learned second opinion: a linear classifier over word and character n-grams, pure numpy.

Training (services/router/training.py) uses scikit-learn; deciding needs only the arrays it
wrote, so the router's hot path is a dictionary lookup per n-gram and one small dot product.
"""

from __future__ import annotations

import gzip
import hashlib
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from services.router.lexicon import BOUNDARY

FORMAT = "tanggap-router-model/1"
CHAR_SIZES = (2, 3, 4)


def features(tokens: Sequence[str], stems: Sequence[str]) -> list[str]:
    """The n-grams of one normalised message: stemmed words and word pairs (within a clause),
    and character 2-4-grams of each slang-expanded word (robust to spelling and affixes)."""
    out: list[str] = []
    previous = ""
    for token, stem in zip(tokens, stems, strict=True):
        if token == BOUNDARY:
            previous = ""
            continue
        out.append(f"w:{stem}")
        if previous:
            out.append(f"b:{previous}_{stem}")
        previous = stem
        padded = f" {token} "
        for n in CHAR_SIZES:
            out.extend(f"c:{padded[i:i + n]}" for i in range(len(padded) - n + 1))
    return out


@dataclass(frozen=True)
class Model:
    """A fitted model: tf-idf weights per n-gram, one weight column per agency."""

    version: str
    classes: tuple[str, ...]
    index: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray  # (n-grams, classes)
    intercept: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    # Binary heads over the same n-grams: the probability that a message carries a flag
    # (emergency, political, not_a_complaint), learned from the labelled corpora.
    flag_names: tuple[str, ...] = ()
    flag_coef: np.ndarray | None = None  # (n-grams, flags)
    flag_intercept: np.ndarray | None = None
    # The hot path: one fancy index and one product for the classes and heads together, and
    # each word's n-grams looked up once (words repeat; messages do not). Derived, not saved.
    _both: np.ndarray = field(init=False, repr=False, compare=False)
    _bias: np.ndarray = field(init=False, repr=False, compare=False)
    _word: Callable[[str, str], tuple[int, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        heads = self.flag_coef if self.flag_coef is not None else np.zeros((len(self.index), 0))
        bias = np.concatenate([self.intercept, self.flag_intercept
                               if self.flag_intercept is not None else np.zeros(0)])
        object.__setattr__(self, "_both", np.ascontiguousarray(np.hstack([self.coef, heads])))
        object.__setattr__(self, "_bias", bias)
        object.__setattr__(self, "_word", lru_cache(maxsize=1 << 16)(self._word_rows))

    def _word_rows(self, token: str, stem: str) -> tuple[int, ...]:
        """The rows of one word's stem and character n-grams (its pair with the previous word
        is the only feature that depends on context)."""
        padded = f" {token} "
        grams = [f"w:{stem}", *(f"c:{padded[k:k + n]}" for n in CHAR_SIZES
                                for k in range(len(padded) - n + 1))]
        return tuple(i for g in grams if (i := self.index.get(g)) is not None)

    def _rows(self, tokens: Sequence[str], stems: Sequence[str]) -> Counter[int]:
        """The vocabulary rows of features(tokens, stems), counted, without building them."""
        rows: list[int] = []
        index, word, previous = self.index, self._word, ""
        for token, stem in zip(tokens, stems, strict=True):
            if token == BOUNDARY:
                previous = ""
                continue
            rows.extend(word(token, stem))
            if previous and (i := index.get(f"b:{previous}_{stem}")) is not None:
                rows.append(i)
            previous = stem
        return Counter(rows)

    def _logits(self, counts: Counter[int]) -> np.ndarray:
        """Class logits then head logits, for tf-idf weights (sublinear, l2) of the counts."""
        if not counts:
            return self._bias
        rows = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
        weights = tf * self.idf[rows]
        weights /= math.sqrt(weights @ weights)
        return weights @ self._both[rows] + self._bias  # type: ignore[no-any-return]

    def _softmax(self, logits: np.ndarray) -> np.ndarray:
        logits = logits[:len(self.classes)]
        exp = np.exp(logits - logits.max())
        return exp / exp.sum()  # type: ignore[no-any-return]

    def probabilities(self, grams: Iterable[str]) -> np.ndarray:
        """Softmax over the classes for one message's n-grams."""
        return self._softmax(self._logits(
            Counter(i for g in grams if (i := self.index.get(g)) is not None)))

    def read(self, tokens: Sequence[str], stems: Sequence[str]
             ) -> tuple[dict[str, float], dict[str, float]]:
        """Every class with its probability, and every flag head's probability."""
        logits = self._logits(self._rows(tokens, stems))
        p = dict(zip(self.classes, self._softmax(logits).tolist(), strict=True))
        heads = 1.0 / (1.0 + np.exp(-logits[len(self.classes):]))
        return p, dict(zip(self.flag_names, heads.tolist(), strict=True))


def encode(classes: Sequence[str], vocabulary: Sequence[str], idf: np.ndarray,
           coef: np.ndarray, intercept: np.ndarray, meta: dict[str, Any],
           heads: tuple[Sequence[str], np.ndarray, np.ndarray] | None = None) -> bytes:
    """The model file: gzip'd JSON, byte-identical for identical training (mtime 0, rounded
    weights); its version is a digest of its content, so the same fit has the same name."""
    body = {"format": FORMAT, "classes": list(classes), "vocabulary": list(vocabulary),
            "idf": [round(float(x), 4) for x in idf],
            "coef": [[round(float(x), 4) for x in row] for row in coef],
            "intercept": [round(float(x), 4) for x in intercept], "meta": meta}
    if heads is not None:
        names, head_coef, head_intercept = heads
        body["flags"] = {"names": list(names),
                         "coef": [[round(float(x), 4) for x in row] for row in head_coef],
                         "intercept": [round(float(x), 4) for x in head_intercept]}
    raw = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    body["version"] = "m-" + hashlib.sha256(raw).hexdigest()[:8]
    return gzip.compress(orjson.dumps(body, option=orjson.OPT_SORT_KEYS), mtime=0)


def decode(data: bytes) -> Model:
    """Read a model file; a file of another format is refused, not guessed at."""
    body = orjson.loads(gzip.decompress(data))
    if body.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} file: format {body.get('format')!r}")
    vocabulary = body["vocabulary"]
    coef = np.asarray(body["coef"], dtype=np.float64)
    if coef.shape != (len(vocabulary), len(body["classes"])):
        raise ValueError(f"model weights have shape {coef.shape}, expected "
                         f"({len(vocabulary)}, {len(body['classes'])})")
    heads = body.get("flags") or {}
    head_coef = np.asarray(heads["coef"], dtype=np.float64) if heads else None
    if head_coef is not None and head_coef.shape != (len(vocabulary), len(heads["names"])):
        raise ValueError(f"model flag heads have shape {head_coef.shape}, expected "
                         f"({len(vocabulary)}, {len(heads['names'])})")
    return Model(body["version"], tuple(body["classes"]),
                 {g: i for i, g in enumerate(vocabulary)},
                 np.asarray(body["idf"], dtype=np.float64), coef,
                 np.asarray(body["intercept"], dtype=np.float64), body.get("meta", {}),
                 tuple(heads.get("names", ())), head_coef,
                 np.asarray(heads["intercept"], dtype=np.float64) if heads else None)


def load_model(path: Path) -> Model:
    return decode(path.read_bytes())
