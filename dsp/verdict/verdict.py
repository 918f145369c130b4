"""The verdict on one cell or station: class, score 0..100, the reasons (rule, sentence, weight,
evidence) and the rules that could not be evaluated (INTERFACES.md ``check`` ``verdict`` object).

Scores combine like independent pieces of evidence (noisy-OR): ``100·(1 − Π(1 − wᵢ/100))``.
Weak cues weigh ≤ 20 and a single one stays below SUSPICIOUS_AT; two medium cues, or one strong
cue, reach ROGUE_AT. Weights and thresholds are documented per rule in docs/verdict-rules.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dsp.errors import DspError
from dsp.verdict.context import VerdictContext
from dsp.verdict.fields import cell_label, station_label
from dsp.verdict.rules.base import Abstain, Fired, Rule

LICENSED, SUSPICIOUS, ROGUE = "licensed", "suspicious", "rogue"
SUSPICIOUS_AT = 25.0
ROGUE_AT = 50.0
#: The weight-0 reason of a "licensed" verdict that no register check backs (no identity, no register).
UNVERIFIED = "verdict.unverified"


@dataclass(frozen=True)
class Reason:
    rule: str
    text: str
    weight: float
    evidence: tuple[tuple[str, object], ...] = ()

    def to_json(self) -> dict:
        return {"rule": self.rule, "text": self.text, "weight": self.weight,
                "evidence": {k: v for k, v in self.evidence}}


@dataclass(frozen=True)
class Verdict:
    klass: str
    score: float
    reasons: tuple[Reason, ...]
    #: (rule id, why) for every rule that lacked its data.
    abstained: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict:
        return {"class": self.klass, "score": self.score,
                "reasons": [r.to_json() for r in self.reasons],
                "abstained": [{"rule": rule, "why": why} for rule, why in self.abstained]}

    def sentence(self) -> str:
        """The reasons as one paragraph, strongest first."""
        return " ".join(r.text.rstrip(".") + "." for r in self.reasons) if self.reasons else "No rule fired."


def combine(weights: Sequence[float]) -> float:
    remaining = 1.0
    for w in weights:
        remaining *= 1.0 - min(max(w, 0.0), 100.0) / 100.0
    return round(100.0 * (1.0 - remaining), 1)


def classify(score: float) -> str:
    return ROGUE if score >= ROGUE_AT else SUSPICIOUS if score >= SUSPICIOUS_AT else LICENSED


def judge(target, ctx: VerdictContext, rules: Sequence[Rule]) -> Verdict:
    """Run every rule on one target; reasons strongest first."""
    if not isinstance(ctx, VerdictContext):
        raise DspError(f"judge: ctx must be a VerdictContext, got {type(ctx).__name__}")
    kinds = {r.kind for r in rules}
    if len(kinds) > 1:
        raise DspError(f"judge: rules mix kinds {sorted(kinds)}; judge GSM and FM targets separately")
    label = {"cell": cell_label(target)} if kinds == {"gsm"} else {"station": station_label(target)}
    reasons, abstained, verified = [], [], False
    for rule in rules:
        outcome = rule.evaluate(target, ctx)
        if isinstance(outcome, Abstain):
            abstained.append((rule.id, outcome.why))
            continue
        verified |= rule.verifies
        if isinstance(outcome, Fired):
            evidence = {**label, **outcome.evidence}
            reasons.append(Reason(rule=rule.id, text=rule.template.format(**evidence),
                                  weight=round(rule.weight * outcome.scale, 1),
                                  evidence=tuple(evidence.items())))
    reasons.sort(key=lambda r: -r.weight)
    score = combine([r.weight for r in reasons])
    klass = classify(score)
    if klass == LICENSED and not verified:
        reasons.append(_unverified(next(iter(label.values())), rules, abstained))
    return Verdict(klass=klass, score=score, reasons=tuple(reasons), abstained=tuple(abstained))


def _unverified(label: str, rules: Sequence[Rule], abstained: list[tuple[str, str]]) -> Reason:
    """A weight-0 reason for a "licensed" verdict that no register check backs: the class set is
    fixed (licensed / suspicious / rogue), so the reason says that licensed here only means that
    nothing was found against it."""
    why = "; ".join(f"{rule}: {text}" for rule, text in abstained if any(r.id == rule and r.verifies for r in rules))
    n = len(rules)
    checked = n - len(abstained)
    text = (f"{label}: nothing could be checked (all {n} rules lacked their data; {why or 'no register rule'})"
            if checked == 0 else
            f"{label}: not held against the licence register ({why or 'no register rule'}); "
            f"{checked} of {n} rules found nothing against it")
    return Reason(rule=UNVERIFIED, text=text + ". Licensed here means only that no evidence against it was found, "
                  "not that a licence was found", weight=0.0,
                  evidence=(("checked", checked), ("abstained", len(abstained))))
