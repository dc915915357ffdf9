"""The learned second opinion: a linear classifier over word and character n-grams, pure numpy.

Training (services/router/training.py) uses scikit-learn; deciding needs only the arrays it
wrote, so the router's hot path is a dictionary lookup per n-gram and one small dot product.
"""

from __future__ import annotations

import gzip
import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
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

    def probabilities(self, grams: Iterable[str]) -> np.ndarray:
        """Softmax over the classes for one message's n-grams (tf-idf, sublinear, l2)."""
        counts = Counter(i for g in grams if (i := self.index.get(g)) is not None)
        if not counts:
            logits = self.intercept
        else:
            rows = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64,
                             count=len(counts))
            weights = tf * self.idf[rows]
            weights /= np.sqrt(weights @ weights)
            logits = weights @ self.coef[rows] + self.intercept
        exp = np.exp(logits - logits.max())
        return exp / exp.sum()  # type: ignore[no-any-return]

    def ranked(self, tokens: Sequence[str], stems: Sequence[str]) -> list[tuple[str, float]]:
        """Agencies with their probability, most likely first."""
        p = self.probabilities(features(tokens, stems))
        order = np.argsort(-p)
        return [(self.classes[i], float(p[i])) for i in order[:3]]


def encode(classes: Sequence[str], vocabulary: Sequence[str], idf: np.ndarray,
           coef: np.ndarray, intercept: np.ndarray, meta: dict[str, Any]) -> bytes:
    """The model file: gzip'd JSON, byte-identical for identical training (mtime 0, rounded
    weights); its version is a digest of its content, so the same fit has the same name."""
    body = {"format": FORMAT, "classes": list(classes), "vocabulary": list(vocabulary),
            "idf": [round(float(x), 4) for x in idf],
            "coef": [[round(float(x), 4) for x in row] for row in coef],
            "intercept": [round(float(x), 4) for x in intercept], "meta": meta}
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
    return Model(body["version"], tuple(body["classes"]),
                 {g: i for i, g in enumerate(vocabulary)},
                 np.asarray(body["idf"], dtype=np.float64), coef,
                 np.asarray(body["intercept"], dtype=np.float64), body.get("meta", {}))


def load_model(path: Path) -> Model:
    return decode(path.read_bytes())
