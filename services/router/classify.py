"""The routing verdict: a pure function from a message's text and channel to agency and flags."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from schemas.enums import Disposition, Flag, Priority
from services.router.lexicon import light_stem
from services.router.negation import settle
from services.router.opinion import Opinion, Pick
from services.router.phrases import Match
from services.router.rules import AT_KECAMATAN, RuleSet

SATURATION = 3.0  # evidence score at which confidence reaches ~63% before the margin


@dataclass(frozen=True)
class Verdict:
    """What the rules say about one message; decide.py turns it into events."""

    disposition: Disposition
    agency: str | None  # None: the center (triage or suppressed)
    category: str | None
    kecamatan: str | None
    flags: tuple[Flag, ...]
    priority: Priority
    confidence: float
    reason: str
    decided_by: str = "rules"  # "rules", "model" (rules had too little), "rules+model" (a tie)


@dataclass(frozen=True)
class Evidence:
    """Scores of one message under a rule set, with the phrases behind them."""

    categories: dict[str, float]
    decisive: frozenset[str]
    flags: dict[str, float]
    phrases: dict[str, list[str]]
    matters: frozenset[str] = frozenset()  # categories with more than setting words

    @classmethod
    def of(cls, matches: list[Match]) -> Evidence:
        categories: dict[str, float] = defaultdict(float)
        flags: dict[str, float] = defaultdict(float)
        phrases: dict[str, list[str]] = defaultdict(list)
        decisive = set()
        matters = set()
        for m in matches:
            kind, _, name = m.phrase.owner.partition(":")
            (categories if kind == "category" else flags)[name] += m.phrase.weight
            phrases[name].append(m.phrase.text)
            if m.phrase.decisive:
                decisive.add(name)
            if kind == "category" and not m.phrase.context:
                matters.add(name)
        return cls(dict(categories), frozenset(decisive), dict(flags), dict(phrases),
                   frozenset(matters))


def confidence(best: float, runner_up: float) -> float:
    """Grows with the evidence for the best agency, shrinks as the runner-up comes close."""
    if best <= 0:
        return 0.0
    strength = 1.0 - math.exp(-best / SATURATION)
    margin = (best - runner_up) / best
    return round(strength * (0.4 + 0.6 * margin), 3)


def _only_past(ev: Evidence) -> bool:
    """The message speaks of a past event and nothing says it is still going on, or its only
    dangers were over, resolved or feared where it names them (negation.py)."""
    if ev.flags.get("over", 0.0) > 0 and ev.flags.get("hazard", 0.0) == 0:
        return True
    return ev.flags.get("past", 0.0) > 0 and ev.flags.get("ongoing", 0.0) == 0


def _is_emergency(ev: Evidence, channel_urgent: bool, rules: RuleSet) -> bool:
    t = rules.source.thresholds
    hazard = ev.flags.get("hazard", 0.0)
    urgency = ev.flags.get("urgency", 0.0) + (1.0 if channel_urgent else 0.0)
    if _only_past(ev):
        return False  # "banjir bulan lalu": the danger is over, the damage is a normal case
    return hazard >= t.emergency_alone or (hazard >= t.emergency_hazard and urgency > 0)


def _agency_scores(ev: Evidence, rules: RuleSet, kecamatan: str | None, emergency: bool
                   ) -> dict[str, tuple[float, str]]:
    """Score per agency (its best category's name kept); decisive evidence excludes the rest.

    In an emergency, setting words name the place ("di depan SDN"), not who must act: only
    categories with evidence of the matter itself compete, when there are any.
    """
    names = ev.decisive or ev.categories.keys()
    if emergency and not ev.decisive and ev.matters:
        names = [n for n in names if n in ev.matters]
    scores: dict[str, tuple[float, str]] = {}
    past = _only_past(ev)
    for name in names:
        category = rules.categories[name]
        if past and category.current_events:
            ev.categories[name] *= rules.source.thresholds.past_event_factor
        agency = category.agency
        if agency == AT_KECAMATAN:
            agency = kecamatan or AT_KECAMATAN
        total, best = scores.get(agency, (0.0, name))
        if ev.categories[name] > ev.categories.get(best, 0.0):
            best = name
        scores[agency] = (total + ev.categories[name], best)
    return scores


def _without_places(stems: tuple[str, ...], spans: tuple[tuple[int, int], ...]
                    ) -> tuple[str, ...]:
    if not spans:
        return stems
    out = list(stems)
    for start, end in spans:
        out[start:end] = ["\u00b7"] * (end - start)  # a non-word: no phrase starts or matches
    return tuple(out)


def classify(text: str, channel: str, rules: RuleSet, kecamatan_hint: str | None = None,
             category_hint: str | None = None) -> Verdict:
    """Route one message: agency (or None for the center), flags, priority, confidence."""
    source = rules.source
    t = source.thresholds
    channel = rules.channel(channel)
    tokens = rules.normalizer.tokens(text)
    words = tuple(light_stem(t) for t in tokens)
    stems = rules.stemmer.stems(tokens)
    place = rules.places.find(tokens)
    matched = _without_places(stems, place.spans)
    settled = settle(rules.index.find(matched, words), tokens, matched, rules.negation)
    ev = Evidence.of(settled.matches)
    if settled.over:
        ev.flags["over"] = 1.0
    hinted = source.category_hints.get(category_hint or "")
    if hinted:  # what the citizen picked on a form is evidence, not proof
        ev.categories[hinted] = ev.categories.get(hinted, 0.0) + source.weights.strong
        ev.phrases.setdefault(hinted, []).append(f"hint {category_hint}")
    kecamatan = place.kecamatan or rules.places.code_of(kecamatan_hint, rules.normalizer)

    use = source.model
    reading = (Opinion.of(rules.model, rules.center, tokens, stems) if rules.model is not None
               else None)
    emergency = _is_emergency(ev, channel in source.urgent_channels, rules) or (
        reading is not None and reading.flag("emergency", use.emergency_head)
        and not _only_past(ev))
    ranked = sorted(_agency_scores(ev, rules, kecamatan, emergency).items(),
                    key=lambda kv: -kv[1][0])
    best_agency, (best, category) = ranked[0] if ranked else (None, (0.0, None))
    runner_up = ranked[1][1][0] if len(ranked) > 1 else 0.0
    conf = confidence(best, runner_up)
    confident = (best >= source.thresholds.min_score and conf >= source.thresholds.triage_confidence
                 and best_agency != AT_KECAMATAN)
    political = ev.flags.get("political", 0.0) >= t.political or (
        reading is not None and reading.flag("political", use.political_head))
    decided_by, note = "rules", ""
    # The learned model is consulted (opinion.py), never for political content (recorded, not
    # routed) or a kecamatan office (recognised by place, never learned).
    district = best_agency == AT_KECAMATAN or (
        category is not None and rules.categories[category].agency == AT_KECAMATAN)
    opinion = None
    if reading is not None and not political and not district:
        opinion = reading.against(ranked)

    def adopt(pick: Pick) -> None:
        nonlocal best_agency, category, conf, decided_by, note, confident
        note = pick.evidence
        if pick.agency is None:  # the model doubts the rules and sees no holder: triage
            confident, decided_by = False, "rules"
            return
        best_agency, category, conf, decided_by = (pick.agency, pick.category, pick.confidence,
                                                   pick.decided_by)
        confident = True

    if opinion is not None:
        pick = (opinion.doubts(best_agency or "", use.overrule, use.overrule_floor) if confident
                else opinion.when_unsure(conf, use.break_tie, use.decide_alone))
        if pick is not None:
            adopt(pick)

    flags: list[Flag] = []
    if emergency:
        flags.append(Flag.EMERGENCY)
    abusive = ev.flags.get("abuse", 0.0) >= t.abuse
    grievance = ev.flags.get("problem", 0.0) > 0
    courtesy_only = (ev.flags.get("courtesy", 0.0) > 0 and not grievance
                     and ev.flags.get("asking", 0.0) == 0)
    # A question with no grievance is for the center to answer, unless it speaks of danger
    # (checked where it is used): a missed emergency costs more than a misplaced question.
    question = ev.flags.get("question", 0.0) >= t.question and not grievance
    if (courtesy_only or question) and opinion is not None:
        # The cue words say "no complaint"; the model may know the matter and its holder
        # (sarcastic thanks are complaints: a complaint kept silent costs more than a thanks
        # an agency has to read).
        asked = opinion.routes_question(use.routes_question)
        if asked is not None:
            adopt(asked)
            courtesy_only = question = False
    elif (opinion is not None and opinion.flag("not_a_complaint", use.nac_head)
          and opinion.top[0] == rules.center):
        # A grievance word ("tidak", "belum") kept the cue from counting, or there was none;
        # the model's head says thanks or a question, and it sees no agency's matter in it.
        question = True
    evidence = "; ".join(f"{k}: {', '.join(v)}" for k, v in ev.phrases.items())[:700]
    where = f"; place: {place.evidence}" if place.evidence else ""
    where += f"; {note}" if note else ""

    def verdict(disposition: Disposition, agency: str | None, extra: tuple[Flag, ...],
                priority: Priority, why: str, conf_: float = conf) -> Verdict:
        all_flags = tuple(dict.fromkeys((*flags, *extra)))
        if Flag.EMERGENCY in all_flags:
            priority = Priority.EMERGENCY
        by = decided_by if disposition in (Disposition.ASSIGNED, Disposition.EXTERNAL) \
            else "rules"
        return Verdict(disposition, agency, category, kecamatan, all_flags, priority, conf_,
                       f"{why} [{evidence}{where}]"[:1000], by)

    news = (Flag.NEGATIVE_NEWS,) if channel in source.news_channels else ()
    marks = (Flag.POLITICAL,) * political + (Flag.ABUSE,) * abusive + news
    if ev.flags.get("spam", 0.0) >= t.spam:
        return verdict(Disposition.NO_RESPONSE, None, (Flag.SPAM,), Priority.LOW, "spam")
    if (courtesy_only or question) and Flag.EMERGENCY not in flags and not news:
        return verdict(Disposition.NO_RESPONSE, None, (Flag.NOT_A_COMPLAINT, *marks),
                       Priority.LOW, "thanks or greeting, no complaint" if courtesy_only
                       else "a question for the center, no complaint")
    outweighed = not confident or (category not in ev.decisive
                                   and ev.flags.get("political", 0.0) >= best)
    if political and Flag.EMERGENCY not in flags and outweighed:
        # Political content is recorded, not answered, also when it names a matter in
        # passing ("jalan rusak, jangan pilih petahana"); a matter that outweighs the politics
        # is routed with the flag, and a civil servant campaigning is BKPSDM's case outright.
        return verdict(Disposition.NO_RESPONSE, None, marks, Priority.LOW,
                       "political content: recorded, not answered")
    if confident and best_agency is not None:
        category_priority = rules.categories[category].priority if category else Priority.NORMAL
        if best_agency in rules.external:
            return verdict(Disposition.EXTERNAL, best_agency, (*marks, Flag.EXTERNAL),
                           category_priority, f"outside regency authority: {category}")
        why = (f"category {category} (score {best:g}, runner-up {runner_up:g})"
               if decided_by == "rules" else f"{decided_by}: {best_agency}")
        return verdict(Disposition.ASSIGNED, best_agency, marks, category_priority, why)
    if abusive and Flag.EMERGENCY not in flags:
        return verdict(Disposition.NO_RESPONSE, None, marks, Priority.LOW,
                       "abusive, no routable matter")
    why = ("administrative matter of an unrecognised kecamatan" if best_agency == AT_KECAMATAN
           else f"unsure: best {best_agency} score {best:g}, confidence {conf:g}")
    return verdict(Disposition.TRIAGE, None, marks, Priority.NORMAL, why)
