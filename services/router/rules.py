"""The tenant's routing rules: YAML validated against the agency directory, compiled once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.directory import Directory
from schemas.enums import Priority
from services.router.lexicon import BOUNDARY, Normalizer
from services.router.model import Model, load_model
from services.router.negation import Words
from services.router.opinion import ModelUse
from services.router.phrases import ANYWHERE, Phrase, PhraseIndex
from services.router.places import Gazetteer
from services.router.stemming import Stemmer, root_words

AT_KECAMATAN = "@kecamatan"  # a category whose agency is the office of the recognised kecamatan


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Pair(_Strict):
    """A thing and what is wrong with it, anywhere in one clause: every `first` with every
    `then` ("atap ... bocor", "lapak ... trotoar"), so a boundary is one rule, not a list."""

    first: tuple[str, ...] = Field(min_length=1)
    then: tuple[str, ...] = Field(min_length=1)
    tier: Literal["decisive", "strong", "terms"] = "strong"
    either_order: bool = False  # also "then ... first" ("trotoar penuh lapak")

    def phrases(self) -> list[str]:
        out = [f"{a} {ANYWHERE} {b}" for a in self.first for b in self.then]
        if self.either_order:
            out += [f"{b} {ANYWHERE} {a}" for a in self.first for b in self.then]
        return out


class Vocabulary(_Strict):
    exact: bool = False  # match as written, without stemming (profanity)
    decisive: tuple[str, ...] = ()  # names the owner outright; outranks ordinary evidence
    strong: tuple[str, ...] = ()  # the matter itself: "jalan rusak", "ktp", "pdam"
    terms: tuple[str, ...] = ()  # setting and context: "sekolah", "pasien", "parit"
    pairs: tuple[Pair, ...] = ()

    def tier(self, name: str) -> tuple[str, ...]:
        """The phrases of one tier, the pairs' expansions included."""
        return (*getattr(self, name), *(p for pair in self.pairs if pair.tier == name
                                        for p in pair.phrases()))


class Category(Vocabulary):
    name: str = Field(pattern=r"^[a-z0-9-]{1,64}$")
    agency: str
    priority: Priority = Priority.NORMAL
    # Disasters and fires: when the message speaks only of the past ("banjir bulan lalu"),
    # what remains is damage for another agency, so this category's evidence counts less.
    current_events: bool = False


class Courtesy(_Strict):
    courtesy: Vocabulary  # thanks, praise, greetings
    problem: Vocabulary  # anything that makes it a complaint after all
    # Words of asking ("kapan", "mohon", "lapor"): not thanks, yet no grievance by themselves.
    asking: Vocabulary = Vocabulary()
    # A request for information ("mau tanya", "syarat", "jam buka"): with no grievance and no
    # danger, a question for the center to answer, not a case for an agency.
    question: Vocabulary = Vocabulary()


class Emergency(_Strict):
    hazard: Vocabulary  # danger to life or property
    urgency: Vocabulary  # "segera", "tolong cepat", "makin parah"
    past: Vocabulary  # "bulan lalu", "sudah surut": the danger is over
    ongoing: Vocabulary  # "sekarang", "masih": overrides a past marker
    # Feared, not happening ("takutnya roboh"): no emergency in that sub-clause (negation.py).
    hypothetical: Vocabulary = Vocabulary()


class Negation(_Strict):
    """What takes evidence back (services/router/negation.py), within one sub-clause."""

    negators: tuple[str, ...] = ()  # between a phrase's words: "listrik tidak mati"
    contrast: tuple[str, ...] = ()  # "tapi", "namun": what follows is another matter
    speaker: tuple[str, ...] = ()  # "kami matikan": the speaker did it
    denial: Vocabulary = Vocabulary()  # "bukan soal harga": the matter denied
    resolved: Vocabulary = Vocabulary()  # "sudah nyala lagi", "sudah diperbaiki": fixed


class Thresholds(_Strict):
    past_event_factor: float = Field(default=1 / 3, ge=0, le=1)
    triage_confidence: float = Field(ge=0, le=1)
    min_score: float = Field(gt=0)
    political: float
    spam: float
    abuse: float
    emergency_hazard: float
    emergency_alone: float  # hazard score that is an emergency without any urgency word
    question: float = 3  # asking for information: one outright ask, or three things asked about


class Duplicates(_Strict):
    window_hours: float = Field(gt=0)
    min_similarity: float = Field(ge=0, le=1)
    min_similarity_without_place: float = Field(ge=0, le=1)


class Weights(_Strict):
    decisive: float = 3.0
    strong: float = 3.0
    terms: float = 1.0


class RoutingFile(_Strict):
    """The schema of tenants/<tenant>/routing.yaml."""

    version: str = Field(min_length=1, max_length=40)
    lexicon: str
    places: str
    weights: Weights = Weights()
    thresholds: Thresholds
    duplicates: Duplicates
    channel_aliases: dict[str, str] = {}
    category_hints: dict[str, str] = {}  # a form's service code -> category name
    news_channels: tuple[str, ...] = ()
    urgent_channels: tuple[str, ...] = ()
    categories: tuple[Category, ...]
    political: Vocabulary
    spam: Vocabulary
    abuse: Vocabulary
    courtesy: Courtesy
    emergency: Emergency
    external_messages: dict[str, str]
    model: ModelUse = ModelUse()
    negation: Negation = Negation()

    @model_validator(mode="after")
    def _unique_names(self) -> RoutingFile:
        names = [c.name for c in self.categories]
        if len(names) != len(set(names)):
            raise ValueError("category names must be unique")
        unknown = set(self.category_hints.values()) - set(names)
        if unknown:
            raise ValueError(f"category_hints name unknown categories: {sorted(unknown)}")
        return self


@dataclass(frozen=True)
class RuleSet:
    """Compiled rules: everything a decision needs, built once per process."""

    version: str
    source: RoutingFile
    normalizer: Normalizer
    stemmer: Stemmer
    index: PhraseIndex
    places: Gazetteer
    categories: dict[str, Category]
    external: frozenset[str]  # agency codes outside regency authority
    center: str
    stopwords: frozenset[str] = frozenset()
    model: Model | None = None
    negation: Words = Words(frozenset(), frozenset(), frozenset())

    def channel(self, name: str) -> str:
        return self.source.channel_aliases.get(name, name)

    @property
    def rules_version(self) -> str:
        """The version of the rules alone, without the model's."""
        return self.version.split("/")[0]


def with_model(rules: RuleSet, model: Model | None) -> RuleSet:
    """The same rules with another learned model (or none); the version names both, so every
    decision says which rules and which model made it."""
    version = rules.rules_version + (f"/{model.version}" if model is not None else "")
    return replace(rules, model=model, version=version)


def check_agencies(routing: RoutingFile, directory: Directory) -> None:
    """Fail loudly if a rule names an agency the directory does not know."""
    for category in routing.categories:
        agency = directory.get(category.agency)
        if category.agency != AT_KECAMATAN and agency is None:
            raise ValueError(f"category {category.name}: unknown agency {category.agency}")
        if agency is not None and agency.kind == "external" \
                and category.agency not in routing.external_messages:
            raise ValueError(f"category {category.name}: no citizen message for {agency.code}")


def _phrases(vocab: Vocabulary, owner: str, weights: Weights, normalizer: Normalizer,
             stemmer: Stemmer, layer: str = "meaning") -> list[Phrase]:
    out = []
    for tier in ("decisive", "strong", "terms"):
        for text in vocab.tier(tier):
            words: list[str | None] = []
            for part in text.split():
                if part == ANYWHERE:
                    words.append(None)
                    continue
                tokens = [t for t in normalizer.tokens(part) if t != BOUNDARY]
                words.extend(tokens if vocab.exact else stemmer.stems(tokens))
            if words:
                out.append(Phrase(text, tuple(words), owner, getattr(weights, tier),
                                  decisive=tier == "decisive", context=tier == "terms",
                                  layer=layer, exact=vocab.exact))
    return out


def _distinct(phrases: list[Phrase]) -> list[Phrase]:
    """One phrase per owner and stemmed form ("simpang", "persimpangan"), the heaviest kept."""
    best: dict[tuple[str, tuple[str | None, ...]], Phrase] = {}
    for phrase in phrases:
        key = (phrase.owner, phrase.stems)
        if key not in best or (phrase.weight, phrase.decisive) > (best[key].weight,
                                                                   best[key].decisive):
            best[key] = phrase
    return list(best.values())


def compile_rules(routing: RoutingFile, lexicon: dict[str, str], keep: list[str],
                  places: dict[str, object], version: str, directory: Directory,
                  stopwords: frozenset[str] = frozenset(),
                  roots: dict[str, str] | None = None) -> RuleSet:
    normalizer = Normalizer(lexicon)
    stemmer = Stemmer(lexicon, keep, roots=roots)
    w = routing.weights
    phrases = [p for c in routing.categories
               for p in _phrases(c, f"category:{c.name}", w, normalizer, stemmer)]
    for flag in ("spam", "abuse"):
        phrases += _phrases(getattr(routing, flag), f"flag:{flag}", w, normalizer, stemmer)
    # Political words are never hidden by a longer phrase of an agency ("pns ... timses"):
    # a political message must be flagged even when it is also a case for an agency.
    phrases += _phrases(routing.political, "flag:political", w, normalizer, stemmer,
                        layer="political")
    # Courtesy and danger signals are a second reading of the same words: they neither hide
    # nor are hidden by the phrases that decide the agency.
    for part in ("courtesy", "problem", "asking", "question"):
        phrases += _phrases(getattr(routing.courtesy, part), f"flag:{part}", w, normalizer,
                            stemmer, layer="courtesy")
    for part in ("hazard", "urgency", "past", "ongoing", "hypothetical"):
        phrases += _phrases(getattr(routing.emergency, part), f"flag:{part}", w, normalizer,
                            stemmer, layer="danger")
    negation, n = routing.negation, normalizer
    for part in ("denial", "resolved"):
        phrases += _phrases(getattr(negation, part), f"flag:{part}", w, n, stemmer, "negation")
    words = Words(*(frozenset(stemmer.stems(t for w in getattr(negation, part)
                                            for t in normalizer.tokens(w)))
                    for part in ("negators", "contrast")),
                  frozenset(t for w in negation.speaker for t in normalizer.tokens(w)))
    return RuleSet(version, routing, normalizer, stemmer, PhraseIndex(_distinct(phrases)),
                   Gazetteer(places, normalizer, root_words()),
                   {c.name: c for c in routing.categories},
                   frozenset(directory.codes("external")), directory.regency.center,
                   frozenset(stemmer.stems(stopwords)), negation=words)


def load_rules(path: Path, directory: Directory) -> RuleSet:
    """Read, validate and compile a routing.yaml and the lexicon and gazetteer it names."""
    return _load(path.resolve(), directory)


@lru_cache(maxsize=8)
def _load(path: Path, directory: Directory) -> RuleSet:
    raw = path.read_bytes()
    routing = RoutingFile.model_validate(yaml.safe_load(raw))
    check_agencies(routing, directory)
    lexicon_raw = (path.parent / routing.lexicon).read_bytes()
    places_raw = (path.parent / routing.places).read_bytes()
    digest = hashlib.sha256(raw + lexicon_raw + places_raw).hexdigest()[:8]
    lexicon_data = yaml.safe_load(lexicon_raw)
    lexicon = {str(k): str(v) for k, v in lexicon_data["expand"].items()}
    # The version names the file's declared version and its exact content, so that an edit
    # without a version bump is still visible in every decision it makes.
    rules = compile_rules(routing, lexicon, list(lexicon_data.get("keep", ())),
                          yaml.safe_load(places_raw), f"{routing.version}+{digest}", directory,
                          frozenset(lexicon_data.get("stopwords", ())),
                          {str(k): str(v) for k, v in (lexicon_data.get("roots") or {}).items()})
    if routing.model.file is None:
        return rules
    model_path = path.parent / routing.model.file
    if not model_path.is_file():
        raise ValueError(f"{path.name}: model.file {routing.model.file} does not exist")
    return with_model(rules, load_model(model_path))
