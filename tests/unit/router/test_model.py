"""The learned second opinion: its n-grams, its file, its agreement with scikit-learn, and how
the router combines it with the rules."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from schemas.enums import Disposition, Flag
from services.router.classify import classify
from services.router.harvest import label_examples
from services.router.lexicon import BOUNDARY
from services.router.model import decode, encode, features, load_model
from services.router.rules import RuleSet, with_model
from services.router.training import Example, cross_validate, fit, grams, read_corpus
from tests.unit.router.conftest import RULES_PATH

ROOT = RULES_PATH.parents[2]
COMMITTED = RULES_PATH.parent / "model" / "router-model.json.gz"
# The committed model's training, as the README gives it: corpora only, never a held-out split.
TRAINING = ["tests/data/complaints-dev.jsonl:1-80", "tests/data/boundaries-dev.jsonl",
            *[f"tests/unit/router/data/{name}.jsonl" for name in (
                "fresh-complaints", "fresh-complaints-2", "round3-dev", "round4-dev",
                "fresh-complaints-4", *(f"train-{x}" for x in "abcdefg"))]]

FISHERS = [("nelayan di Kendawangan minta bantuan jaring dan mesin tempel", "dispertan"),
           ("kelompok nelayan belum dapat bantuan bibit kepiting", "dispertan"),
           ("jaring nelayan rusak, bantuan perahu nelayan tidak merata", "dispertan"),
           ("nelayan kecil susah dapat solar untuk melaut", "dispertan"),
           ("lampu jalan di gang kami mati", "dinas-perkim"),
           ("lampu jalan padam sudah seminggu, gelap", "dinas-perkim"),
           ("lampu penerangan jalan mati di depan masjid", "dinas-perkim"),
           ("tiang lampu jalan miring mau roboh", "dinas-perkim")]


def _examples() -> list[Example]:
    return [Example(t, a, "test") for t, a in FISHERS]


def test_ngrams_are_words_pairs_within_a_clause_and_characters() -> None:
    grams_ = features(("jalan", "rusak", BOUNDARY, "parah"), ("jalan", "rusak", BOUNDARY, "parah"))
    assert {"w:jalan", "w:rusak", "w:parah", "b:jalan_rusak", "c: j", "c:ak "} <= set(grams_)
    assert "b:rusak_parah" not in grams_  # a clause boundary separates them


def test_model_probabilities_equal_scikit_learns(rules: RuleSet) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    docs = [grams(t, rules) for t, _ in FISHERS]
    labels = [a for _, a in FISHERS]
    vectorizer = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, min_df=1)
    matrix = vectorizer.fit_transform(docs)
    classifier = LogisticRegression(C=30.0, solver="newton-cg", random_state=13).fit(
        matrix, labels)
    model = decode(fit(_examples(), rules))
    probe = grams("nelayan minta jaring baru", rules)
    theirs = classifier.predict_proba(vectorizer.transform([probe]))[0]
    ours = model.probabilities(probe)
    assert list(model.classes) == list(classifier.classes_)
    assert np.allclose(ours, theirs, atol=1e-3)


def test_same_examples_and_seed_give_the_same_file(rules: RuleSet) -> None:
    first, second = fit(_examples(), rules), fit(_examples(), rules)
    assert first == second
    assert decode(first).version.startswith("m-")
    assert decode(fit(_examples()[:-1], rules)).version != decode(first).version


def test_a_file_of_another_format_is_refused() -> None:
    data = encode(["a", "b"], ["w:x"], np.ones(1), np.zeros((1, 2)), np.zeros(2), {})
    assert decode(data).classes == ("a", "b")
    with pytest.raises(ValueError, match="shape"):
        decode(encode(["a", "b"], ["w:x", "w:y"], np.ones(2), np.zeros((1, 2)), np.zeros(2), {}))


def test_committed_model_is_the_one_its_training_command_makes(tmp_path: Path) -> None:
    """The model in tenants/ is reproducible: same corpora, same seed, same bytes."""
    out = tmp_path / "model.json.gz"
    command = [sys.executable, "-m", "services.cli", "route", "train", "--folds", "0",
               "--out", str(out), *[a for spec in TRAINING for a in ("--corpus", spec)]]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == COMMITTED.read_bytes(), (
        "the rules' lexicon or the corpora changed: retrain with "
        "`.venv/bin/tanggap route train --out " + str(COMMITTED.relative_to(ROOT)) + " "
        + " ".join(f"--corpus {spec}" for spec in TRAINING) + "`")


def test_committed_model_never_saw_a_held_out_split(rules: RuleSet) -> None:
    from services.router.training import text_digest

    seen = set(load_model(COMMITTED).meta["trained_on"])
    held_out, _ = read_corpus(str(ROOT / "tests" / "data" / "boundaries-heldout.jsonl"))
    untouched, _ = read_corpus(str(ROOT / "tests" / "data" / "complaints-dev.jsonl") + ":81-128")
    later = [e for name in ("tests/data/boundaries-2-heldout.jsonl",
                            "tests/unit/router/data/fresh-complaints-3.jsonl",
                            "tests/unit/router/data/fresh-complaints-5.jsonl")
             for e in read_corpus(str(ROOT / name))[0]]
    assert not seen & {text_digest(e.text) for e in held_out + untouched + later}


def test_cross_validation_scores_each_fold_with_a_model_that_never_saw_it(
        rules: RuleSet) -> None:
    figures = cross_validate(_examples() * 2, rules, folds=2)
    assert figures.examples == 16 and 0.0 <= figures.accuracy <= 1.0
    assert set(figures.decided_share) == {0.3, 0.4, 0.5, 0.6}


@pytest.fixture(scope="module")
def learned(rules: RuleSet) -> RuleSet:
    """The tenant's rules with a model that learned what fishers' complaints are."""
    return with_model(rules, decode(fit(_examples() * 3, rules)))


def test_rules_decide_where_they_are_sure(learned: RuleSet) -> None:
    result = classify("jalan kabupaten rusak berlubang, motor jatuh", "whatsapp", learned)
    assert result.agency == "dinas-pupr" and result.decided_by == "rules"


def test_the_model_decides_what_the_rules_know_nothing_about(rules: RuleSet,
                                                            learned: RuleSet) -> None:
    text = "nelayan di Pesaguan minta bantuan jaring"
    assert classify(text, "whatsapp", rules).disposition is Disposition.TRIAGE
    result = classify(text, "whatsapp", learned)
    assert result.disposition is Disposition.ASSIGNED and result.agency == "dispertan"
    assert result.decided_by in ("model", "rules+model") and learned.model is not None
    assert learned.model.version in result.reason and learned.version.endswith(
        "/" + learned.model.version)


def test_a_model_not_sure_enough_leaves_the_case_to_triage(learned: RuleSet) -> None:
    strict = replace(learned, source=learned.source.model_copy(update={
        "model": learned.source.model.model_copy(update={"decide_alone": 1.0,
                                                         "break_tie": 1.0})}))
    result = classify("nelayan di Pesaguan minta bantuan jaring", "whatsapp", strict)
    assert result.disposition is Disposition.TRIAGE and result.decided_by == "rules"


def test_political_content_is_never_routed_by_the_model(learned: RuleSet) -> None:
    result = classify("nelayan jangan pilih paslon nomor 2 di pilkada", "whatsapp", learned)
    assert Flag.POLITICAL in result.flags and result.disposition is Disposition.NO_RESPONSE


def test_operator_assignments_and_redirects_become_examples(directory: object) -> None:
    from schemas.intake import ComplaintReceived
    from schemas.routing import AssignComplaint, ComplaintAssigned, ComplaintRedirected

    def received(cid: str, text: str) -> ComplaintReceived:
        return ComplaintReceived(complaint_id=cid, ticket=f"T-{cid}", channel="web",
                                 channel_message_id=f"m-{cid}", text=text)

    events = [
        received("c1", "nelayan minta jaring"), received("c2", "lampu jalan mati"),
        received("c3", "entah apa"), received("c4", "air keruh"),
        AssignComplaint(complaint_id="c1", agency="dinsos", operator="siti"),
        AssignComplaint(complaint_id="c1", agency="dispertan", operator="siti"),  # later wins
        ComplaintRedirected(complaint_id="c2", ticket="T-c2", from_agency="dishub",
                            to_agency="dinas-perkim", reason="bukan wewenang kami"),
        AssignComplaint(complaint_id="c3", agency="diskominfo", operator="siti"),  # center
        ComplaintAssigned(complaint_id="c4", ticket="T-c4", agency="perumda-air",
                          rules_version="r"),  # the router's own decision teaches nothing
        AssignComplaint(complaint_id="c9", agency="dlh", operator="siti"),  # no text seen
    ]
    examples = label_examples(events, directory)  # type: ignore[arg-type]
    assert examples == [Example("nelayan minta jaring", "dispertan", "log:operator"),
                        Example("lampu jalan mati", "dinas-perkim", "log:redirect")]


def test_the_hot_path_counts_the_same_n_grams_as_training(rules: RuleSet) -> None:
    model = load_model(COMMITTED)
    for text in ("Jln rusak parah dpn SDN 3, tolong pak!!", "lampu jalan mati. sudah lama",
                 "Terima kasih PUPR 🙏", ""):
        tokens = rules.normalizer.tokens(text)
        stems = rules.stemmer.stems(tokens)
        p, heads = model.read(tokens, stems)
        expected = model.probabilities(features(tokens, stems))
        assert np.allclose([p[c] for c in model.classes], expected)
        assert set(heads) == set(model.flag_names) == {"emergency", "political",
                                                      "not_a_complaint"}


def test_cross_validation_by_source_leaves_each_writer_out(rules: RuleSet) -> None:
    from services.router.training import cross_validate_router

    mine = [Example(t, a, f"corpus:{i % 2}") for i, (t, a) in enumerate(FISHERS * 2)]
    figures = cross_validate_router(mine, rules, by_source=True)
    assert figures.folds == 2 and figures.examples == len(mine) and figures.by_source
    assert "leaving one of 2 sources out" in figures.lines()[0]
