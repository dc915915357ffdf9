"""How the rules and the learned model combine into one pick (classify.py asks, once per message).

The rules decide where they are sure; the model breaks their ties or decides where they have too
little. With enough examples behind it, the model may also *doubt* a sure rule: when it is at
least `overrule` sure of another holder and gives the rules' pick almost nothing, the rules
matched a setting word rather than the matter ("atap los pasar" is a market's, not a road's).
And it settles a question the rules ask by cue words alone: is this "kah?" a question for the
center, or a complaint whose holder the model knows (routed)? Its flag heads add a flag the
rules missed (classify.py).
Every threshold defaults to off, so a model without cross-validated thresholds changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pydantic import BaseModel, ConfigDict, Field

from services.router.model import Model


class ModelUse(BaseModel):
    """Where the learned second opinion is, and how sure it must be to act (`model:` in
    routing.yaml)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str | None = None  # relative to routing.yaml; None: rules only
    decide_alone: float = Field(default=0.6, ge=0, le=1)  # rules have nothing to go on
    break_tie: float = Field(default=0.3, ge=0, le=1)  # between the rules' top two
    # Off (above 1) unless cross-validation across writers says the model may act there:
    overrule: float = Field(default=1.01, ge=0, le=1.01)  # doubt a sure rule...
    overrule_floor: float = Field(default=0.05, ge=0, le=1)  # ...that it gives at most this
    routes_question: float = Field(default=1.01, ge=0, le=1.01)  # a "question" it can route
    emergency_head: float = Field(default=1.01, ge=0, le=1.01)  # flag heads, each OR the rules
    political_head: float = Field(default=1.01, ge=0, le=1.01)
    nac_head: float = Field(default=1.01, ge=0, le=1.01)


@dataclass(frozen=True)
class Pick:
    """The model's word on one message: an agency (None: the center holds it), how sure, and
    which part decided; `evidence` goes into the decision's reason."""

    agency: str | None
    category: str | None
    confidence: float
    decided_by: str
    evidence: str


@dataclass(frozen=True)
class Opinion:
    """The model's distribution over holders for one message, read against the rules' ranking."""

    model: Model
    center: str
    p: dict[str, float]
    heads: dict[str, float]
    ranked: list[tuple[str, tuple[float, str]]]  # the rules' agencies, best first
    top: tuple[str, float] = ("", 0.0)  # the model's own pick and its probability

    def __post_init__(self) -> None:
        if self.p and not self.top[0]:
            agency = max(self.p, key=self.p.__getitem__)
            object.__setattr__(self, "top", (agency, self.p[agency]))

    @classmethod
    def of(cls, model: Model, center: str, tokens: tuple[str, ...], stems: tuple[str, ...]
           ) -> Opinion:
        p, heads = model.read(tokens, stems)
        return cls(model, center, p, heads, [])

    def against(self, ranked: list[tuple[str, tuple[float, str]]]) -> Opinion:
        """The same reading, placed against the rules' ranking of agencies."""
        return replace(self, ranked=ranked)

    def flag(self, name: str, threshold: float) -> bool:
        """The model's head for `name` is at least `threshold` sure (no head: never)."""
        return self.heads.get(name, 0.0) >= threshold

    def _evidence(self) -> str:
        agency, p = self.top
        return f"model {self.model.version}: {agency} p={p:.2f}"

    def _category(self, agency: str) -> str | None:
        return next((name for a, (_, name) in self.ranked if a == agency), None)

    def when_unsure(self, rules_confidence: float, break_tie: float, decide_alone: float
                    ) -> Pick | None:
        """The rules are not sure: the model breaks a tie between their top two, or decides
        alone; None leaves the case to triage."""
        agency, p = self.top
        if agency == self.center:
            return None
        if agency in [a for a, _ in self.ranked[:2]] and p >= break_tie:
            combined = round(1.0 - (1.0 - rules_confidence) * (1.0 - p), 3)
            return Pick(agency, self._category(agency), combined, "rules+model", self._evidence())
        if p >= decide_alone:
            return Pick(agency, self._category(agency), round(p, 3), "model", self._evidence())
        return None

    def doubts(self, rules_pick: str, overrule: float, floor: float) -> Pick | None:
        """The rules are sure of `rules_pick`; the model overrules them only when it is at least
        `overrule` sure of another holder and gives theirs at most `floor`. A center pick means
        the case is not an agency's at all (thanks, a question, nothing routable)."""
        agency, p = self.top
        if agency == rules_pick or p < overrule or self.p.get(rules_pick, 0.0) > floor:
            return None
        if agency == self.center:
            return Pick(None, None, round(p, 3), "model", self._evidence())
        return Pick(agency, self._category(agency), round(p, 3), "model", self._evidence())

    def routes_question(self, threshold: float) -> Pick | None:
        """The cue words said "a question, no complaint"; the model may know the matter and its
        holder ("aspalnya baru 3 bulan sudah mengelupas, proyek asal-asalan kah?")."""
        agency, p = self.top
        if agency == self.center or p < threshold:
            return None
        return Pick(agency, self._category(agency), round(p, 3), "model", self._evidence())
