"""Fitting the learned second opinion with scikit-learn, and its k-fold cross-validation."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from services.router.model import Model, decode, encode, features
from services.router.pii import mask_personal_data
from services.router.rules import RuleSet

SEED = 13
C = 30.0  # weak regularisation: few examples per agency, each one matters (5-fold CV)
MIN_DF = 2  # an n-gram seen in one message only is a name or a typo, not evidence
FLAG_HEADS = ("emergency", "political", "not_a_complaint")
MIN_POSITIVES = 5  # fewer labelled examples of a flag than this: no head for it


@dataclass(frozen=True)
class Example:
    """One labelled message: who holds its matter, and where the label came from."""

    text: str
    agency: str
    source: str  # "corpus:<file>", "log:operator", "log:redirect"
    flags: frozenset[str] = frozenset()  # labelled flags; only corpus examples have them


def read_corpus(spec: str) -> tuple[list[Example], dict[str, Any]]:
    """Labelled JSON Lines, `path` or `path:FROM-TO` (1-based lines, inclusive)."""
    path, _, span = spec.partition(":")
    lines = Path(path).read_bytes().splitlines()
    first, last = 1, len(lines)
    if span:
        a, _, b = span.partition("-")
        first, last = int(a), int(b)
    chosen = lines[first - 1:last]
    out = []
    for line in chosen:
        if line.strip():
            record = orjson.loads(line)
            out.append(Example(record["text"], record["expected_agency"],
                               f"corpus:{Path(path).name}", frozenset(record.get("flags", ()))))
    digest = hashlib.sha256(b"\n".join(chosen)).hexdigest()[:12]
    return out, {"source": f"{Path(path).name}:{first}-{last}", "examples": len(out),
                 "sha256": digest}


def grams(example_text: str, rules: RuleSet) -> list[str]:
    """The n-grams the router will see for this text (masked, normalised, stemmed)."""
    masked, _ = mask_personal_data(example_text)
    tokens = rules.normalizer.tokens(masked)
    return features(tokens, rules.stemmer.stems(tokens))


def _fit_arrays(docs: Sequence[list[str]], labels: Sequence[str], seed: int) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True,
                                 min_df=MIN_DF if len(docs) >= 20 else 1, dtype=np.float64)
    matrix = vectorizer.fit_transform(docs)
    # newton-cg: exact and quick on a few thousand n-grams (lbfgs needs many more passes).
    classifier = LogisticRegression(C=C, solver="newton-cg", max_iter=500, random_state=seed)
    classifier.fit(matrix, list(labels))
    return vectorizer, classifier


def fit(examples: Sequence[Example], rules: RuleSet, seed: int = SEED,
        meta: dict[str, Any] | None = None) -> bytes:
    """Train on every example; the model file's bytes (same examples and seed: same bytes)."""
    return _fit_docs([grams(e.text, rules) for e in examples], examples, seed, meta)


def _fit_docs(docs: Sequence[list[str]], examples: Sequence[Example], seed: int,
              meta: dict[str, Any] | None = None) -> bytes:
    """fit() on n-grams already read (cross-validation reads each text once, not per fold)."""
    if len({e.agency for e in examples}) < 2:
        raise ValueError("training needs examples of at least two agencies")
    vectorizer, classifier = _fit_arrays(docs, [e.agency for e in examples], seed)
    heads = _fit_heads(vectorizer, docs, examples, seed)
    # Digests of the training texts let an evaluation tell seen from unseen messages.
    seen = sorted({text_digest(e.text) for e in examples})
    info = {"seed": seed, "C": C, "min_df": MIN_DF, "examples": len(examples),
            "by_source": dict(sorted(Counter(e.source for e in examples).items())),
            "trained_on": seen, **(meta or {})}
    return _encode(vectorizer, classifier, info, heads)


def _fit_heads(vectorizer: Any, docs: Sequence[list[str]], examples: Sequence[Example],
               seed: int) -> tuple[list[str], np.ndarray, np.ndarray] | None:
    """One binary logistic regression per flag, on the labelled corpora only (operators'
    assignments in the log say who holds a case, not whether it was an emergency)."""
    from sklearn.linear_model import LogisticRegression

    labelled = [i for i, e in enumerate(examples) if e.source.startswith("corpus:")]
    names, columns, intercepts = [], [], []
    if not labelled:
        return None
    rows = vectorizer.transform([docs[i] for i in labelled])
    for name in FLAG_HEADS:
        y = np.array([name in examples[i].flags for i in labelled], dtype=bool)
        if y.sum() < MIN_POSITIVES or (~y).sum() < MIN_POSITIVES:
            continue
        head = LogisticRegression(C=C, solver="newton-cg", max_iter=500, random_state=seed,
                                  class_weight="balanced")
        head.fit(rows, y)
        names.append(name)
        columns.append(head.coef_[0])
        intercepts.append(head.intercept_[0])
    if not names:
        return None
    return names, np.column_stack(columns), np.array(intercepts)


def text_digest(text: str) -> str:
    """A short digest of a message's text, to recognise it without keeping it."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:12]


def _encode(vectorizer: Any, classifier: Any, info: dict[str, Any],
            heads: tuple[list[str], np.ndarray, np.ndarray] | None = None) -> bytes:
    coef, intercept = classifier.coef_, classifier.intercept_
    if coef.shape[0] == 1:  # two classes: scikit-learn keeps one column; softmax needs both
        coef = np.vstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return encode(list(classifier.classes_), list(vectorizer.get_feature_names_out()),
                  vectorizer.idf_, coef.T, intercept, info, heads)


@dataclass(frozen=True)
class FoldFigures:
    """Cross-validated figures of the learned part alone, and at the thresholds it acts on."""

    folds: int
    examples: int
    accuracy: float  # top-1 over all held-out folds
    decided_share: dict[float, float]  # threshold -> share of examples with p >= threshold
    decided_accuracy: dict[float, float]  # threshold -> accuracy on those

    def lines(self) -> list[str]:
        out = [f"learned model, {self.folds}-fold cross-validation on {self.examples} examples:"
               f" top-1 accuracy {self.accuracy:.1%}"]
        for t in sorted(self.decided_share):
            out.append(f"  p >= {t:.2f}: decides {self.decided_share[t]:.1%}, "
                       f"accuracy {self.decided_accuracy[t]:.1%}")
        return out


def cross_validate(examples: Sequence[Example], rules: RuleSet, folds: int = 5,
                   seed: int = SEED, thresholds: Sequence[float] = (0.3, 0.4, 0.5, 0.6)
                   ) -> FoldFigures:
    """Stratified k-fold: each fold is scored by a model that never saw it."""
    from sklearn.model_selection import StratifiedKFold

    labels = np.array([e.agency for e in examples])
    counts = Counter(labels)
    # Agencies with fewer examples than folds cannot be stratified; they stay in training only.
    usable = np.array([counts[a] >= folds for a in labels])
    docs = [grams(e.text, rules) for e in examples]
    index = np.flatnonzero(usable)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    top: list[tuple[str, str, float]] = []
    for train, test in splitter.split(index, labels[index]):
        train_ids = np.concatenate([index[train], np.flatnonzero(~usable)])
        vectorizer, classifier = _fit_arrays([docs[i] for i in train_ids], labels[train_ids],
                                             seed)
        model = _as_model(vectorizer, classifier)
        for i in index[test]:
            p = model.probabilities(docs[i])
            best = int(np.argmax(p))
            top.append((labels[i], model.classes[best], float(p[best])))
    n = len(top)
    share = {t: sum(p >= t for *_, p in top) / n for t in thresholds}
    acc = {t: (sum(w == g for w, g, p in top if p >= t) / max(1, sum(p >= t for *_, p in top)))
           for t in thresholds}
    return FoldFigures(folds, n, sum(w == g for w, g, _ in top) / n if n else 0.0, share, acc)


def _as_model(vectorizer: Any, classifier: Any) -> Model:
    return decode(_encode(vectorizer, classifier, {}))


@dataclass(frozen=True)
class RouterFolds:
    """Cross-validated figures of the whole decision, rules alone against rules with a model
    trained on the other folds: does the learned part help on messages it never saw?"""

    folds: int
    examples: int
    rules_only: tuple[int, int, int]  # routed, right, triaged
    with_model: tuple[int, int, int]
    by_model: tuple[int, int]  # decisions the model made (alone or breaking a tie), right
    by_source: bool = False  # folds are whole corpora (writers), not stratified samples

    def lines(self) -> list[str]:
        def fmt(routed: int, right: int, triaged: int) -> str:
            return (f"accuracy {right / routed if routed else 0:.1%} ({right}/{routed}), "
                    f"triage {triaged / self.examples if self.examples else 0:.1%}")

        made, right = self.by_model
        how = (f"leaving one of {self.folds} sources out" if self.by_source
               else f"{self.folds}-fold cross-validation")
        return [f"router, {how}, on {self.examples} examples:",
                f"  rules alone:      {fmt(*self.rules_only)}",
                f"  rules with model: {fmt(*self.with_model)}; the model decided {made}, "
                f"{right} right"]


def cross_validate_router(examples: Sequence[Example], rules: RuleSet, folds: int = 5,
                          seed: int = SEED, by_source: bool = False) -> RouterFolds:
    """K-fold of the combined decision (channel web, no hints), stratified by agency; or, with
    `by_source`, leave-one-source-out: each corpus is scored by a model trained on the others,
    so a writer's habits cannot help score that writer's own examples."""
    from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold

    from services.router.classify import classify
    from services.router.rules import with_model

    labels = np.array([e.agency for e in examples])
    counts = Counter(labels)
    usable = np.array([counts[a] >= folds or by_source for a in labels])
    docs = [grams(e.text, rules) for e in examples]
    index = np.flatnonzero(usable)
    plain = with_model(rules, None)
    alone, both, model_made = [0, 0, 0], [0, 0, 0], [0, 0]
    if by_source:
        sources = np.array([e.source for e in examples])
        splits = list(LeaveOneGroupOut().split(index, groups=sources[index]))
    else:
        splits = list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
                      .split(index, labels[index]))
    for train, test in splits:
        train_ids = np.concatenate([index[train], np.flatnonzero(~usable)])
        learned = with_model(rules, decode(_fit_docs([docs[i] for i in train_ids],
                                                     [examples[i] for i in train_ids], seed)))
        for i in index[test]:
            masked, _ = mask_personal_data(examples[i].text)
            for tally, ruleset in ((alone, plain), (both, learned)):
                verdict = classify(masked, "web", ruleset)
                agency = verdict.agency or rules.center
                if verdict.disposition.value == "triage":
                    tally[2] += 1
                    continue
                tally[0] += 1
                tally[1] += agency == labels[i]
                if ruleset is learned and verdict.decided_by != "rules":
                    model_made[0] += 1
                    model_made[1] += agency == labels[i]
    return RouterFolds(len(splits), len(index), (alone[0], alone[1], alone[2]),
                       (both[0], both[1], both[2]), (model_made[0], model_made[1]), by_source)
