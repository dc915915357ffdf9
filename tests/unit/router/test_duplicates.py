"""Near-duplicates: same agency and place, similar wording, within the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.router.duplicates import Candidate, content_words, find_parent, similarity
from services.router.rules import RuleSet

NOW = datetime(2026, 5, 4, 12, tzinfo=UTC)
FIRST = "Sampah menumpuk di TPS Jalan Merdeka Kelurahan Sampit, sudah seminggu tidak diangkut"
SECOND = "TPS jalan merdeka sampit sampahnya numpuk seminggu gak diangkut, bau"


def candidate(rules: RuleSet, text: str, kecamatan: str | None, hours_ago: float,
              cid: str = "c-1") -> Candidate:
    return Candidate(cid, "KTP-1", content_words(text, rules), kecamatan,
                     NOW - timedelta(hours=hours_ago))


def test_content_words_drop_function_words_and_normalise_slang(rules: RuleSet) -> None:
    assert content_words("sampahnya gak diangkut sama sekali", rules) == "sampah angkut sekali"


def test_same_incident_reported_twice_is_found(rules: RuleSet) -> None:
    parent = find_parent(content_words(SECOND, rules), "kec-delta-pawan", NOW,
                         [candidate(rules, FIRST, "kec-delta-pawan", 5)], rules)
    assert parent is not None and parent.complaint_id == "c-1" and parent.similarity >= 0.5


def test_other_place_old_report_or_other_matter_is_not_a_duplicate(rules: RuleSet) -> None:
    content = content_words(SECOND, rules)
    assert find_parent(content, "kec-delta-pawan", NOW,
                       [candidate(rules, FIRST, "kec-sandai", 5)], rules) is None
    assert find_parent(content, "kec-delta-pawan", NOW,
                       [candidate(rules, FIRST, "kec-delta-pawan", 100)], rules) is None
    other = "pohon peneduh di taman kota tumbang menimpa bangku"
    assert find_parent(content, "kec-delta-pawan", NOW,
                       [candidate(rules, other, "kec-delta-pawan", 1)], rules) is None


def test_without_a_place_the_wording_must_be_closer(rules: RuleSet) -> None:
    loose = content_words("sampah di TPS belum diangkut", rules)
    other = "sampah di pasar menumpuk dan bau, truk tidak datang"
    assert 0.5 <= similarity(loose, content_words(other, rules)) < 0.65
    assert find_parent(loose, "kec-sandai", NOW,
                       [candidate(rules, other, "kec-sandai", 1)], rules) is not None
    assert find_parent(loose, None, NOW, [candidate(rules, other, None, 1)], rules) is None
    same = content_words("KK perbaikan nama saya sudah satu bulan belum selesai", rules)
    first = "perbaikan nama di KK sudah sebulan belum selesai"
    assert find_parent(same, None, NOW, [candidate(rules, first, None, 1)], rules) is not None


def test_the_most_similar_parent_wins(rules: RuleSet) -> None:
    content = content_words(SECOND, rules)
    parents = [candidate(rules, "sampah di pasar menumpuk", "kec-delta-pawan", 2, "c-far"),
               candidate(rules, FIRST, "kec-delta-pawan", 3, "c-near")]
    found = find_parent(content, "kec-delta-pawan", NOW, parents, rules)
    assert found is not None and found.complaint_id == "c-near"
