"""How the rules and the learned model combine: doubt, the center's cues, flag heads."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from schemas.enums import Disposition, Flag
from services.router.classify import classify
from services.router.model import decode, encode
from services.router.opinion import Opinion
from services.router.rules import RuleSet, with_model
from services.router.training import Example, fit

RANKED = [("dinas-pupr", (6.0, "jalan-jembatan-drainase")), ("disperindag", (2.0, "pasar"))]


def opinion(p: dict[str, float]) -> Opinion:
    model = decode(encode(list(p), ["w:x"], np.ones(1), np.zeros((1, len(p))),
                          np.zeros(len(p)), {}))
    return Opinion(model, "diskominfo", p, {}, RANKED)


def test_the_model_doubts_a_sure_rule_only_when_it_gives_that_pick_almost_nothing() -> None:
    sure = opinion({"disperindag": 0.9, "dinas-pupr": 0.02, "diskominfo": 0.08})
    pick = sure.doubts("dinas-pupr", overrule=0.6, floor=0.05)
    assert pick is not None and pick.agency == "disperindag" and pick.category == "pasar"
    assert pick.decided_by == "model" and "disperindag p=0.90" in pick.evidence
    assert sure.doubts("dinas-pupr", overrule=0.95, floor=0.05) is None  # not sure enough
    assert sure.doubts("disperindag", overrule=0.6, floor=0.05) is None  # it agrees
    split = opinion({"disperindag": 0.7, "dinas-pupr": 0.2, "diskominfo": 0.1})
    assert split.doubts("dinas-pupr", overrule=0.6, floor=0.05) is None  # theirs is plausible


def test_a_doubt_towards_the_center_names_no_agency() -> None:
    center = opinion({"diskominfo": 0.9, "dinas-pupr": 0.04, "disperindag": 0.06})
    pick = center.doubts("dinas-pupr", overrule=0.6, floor=0.05)
    assert pick is not None and pick.agency is None
    assert center.routes_question(0.5) is None


def test_thresholds_above_one_leave_everything_to_the_rules() -> None:
    sure = opinion({"disperindag": 1.0, "dinas-pupr": 0.0, "diskominfo": 0.0})
    assert sure.doubts("dinas-pupr", overrule=1.01, floor=0.05) is None
    assert sure.routes_question(1.01) is None and not sure.flag("emergency", 0.5)


EMERGENCIES = ["buaya naik ke pelantar rumah warga, anak anak di situ",
               "buaya masuk kolam belakang rumah, warga ketakutan",
               "ular piton masuk dapur rumah, besar sekali",
               "ular kobra di kamar anak, tolong",
               "sarang tawon di teras rumah, anak disengat",
               "tawon menyerang warga di gang kami"]
ORDINARY = ["ktp saya belum jadi tiga bulan", "sampah menumpuk di pasar", "air pdam keruh",
            "jalan desa berlubang", "lampu jalan mati di gang", "gaji honorer belum dibayar"]


@pytest.fixture(scope="module")
def headed(rules: RuleSet) -> RuleSet:
    examples = ([Example(t, "damkar", "corpus:test", frozenset({"emergency"}))
                 for t in EMERGENCIES]
                + [Example(t, a, "corpus:test") for t, a in zip(
                    ORDINARY, ["disdukcapil", "dlh", "perumda-air", "dinas-pupr",
                               "dinas-perkim", "bkpsdm"], strict=True)])
    return with_model(rules, decode(fit(examples * 2, rules)))


def test_flag_heads_are_learned_from_labelled_corpora_and_survive_the_file(
        headed: RuleSet) -> None:
    model = headed.model
    assert model is not None and model.flag_names == ("emergency",)  # others: too few examples
    tokens = headed.normalizer.tokens("ada buaya di pelantar belakang rumah")
    _, heads = model.read(tokens, headed.stemmer.stems(tokens))
    tokens = headed.normalizer.tokens("ktp belum jadi")
    _, calm = model.read(tokens, headed.stemmer.stems(tokens))
    assert heads["emergency"] > 0.5 > calm["emergency"]


def test_the_emergency_head_adds_the_flag_the_rules_missed(headed: RuleSet) -> None:
    def head(threshold: float) -> RuleSet:
        return replace(headed, source=headed.source.model_copy(update={
            "model": headed.source.model.model_copy(update={"emergency_head": threshold})}))

    text = "ada buaya di pelantar belakang rumah"
    assert Flag.EMERGENCY not in classify(text, "whatsapp", head(1.01)).flags  # head off
    on = head(0.5)
    result = classify(text, "whatsapp", on)
    assert Flag.EMERGENCY in result.flags and result.disposition is not Disposition.NO_RESPONSE
    past = classify("bulan lalu ada buaya di pelantar belakang rumah", "whatsapp", on)
    assert Flag.EMERGENCY not in past.flags  # the rules' tense still rules
