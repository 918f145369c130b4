"""What a rule is: an id, a weight, thresholds as data, a reason template, and a check that says
fired (with the evidence the template names), quiet, or abstained (the data it needs are missing)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from dsp.verdict.context import VerdictContext


@dataclass(frozen=True)
class Fired:
    """The rule's cue is present. ``scale`` (0..1] weakens it when the evidence is softer than usual
    (e.g. absent from a crowd-sourced register rather than from the regulator's)."""

    evidence: Mapping[str, object]
    scale: float = 1.0


@dataclass(frozen=True)
class Abstain:
    """The rule could not be evaluated; ``why`` names the missing data."""

    why: str


Outcome = Fired | Abstain | None
Check = Callable[[object, VerdictContext, Mapping[str, float]], Outcome]


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str  # "gsm" or "fm"
    weight: float
    template: str
    check: Check
    thresholds: Mapping[str, float] = field(default_factory=dict)
    #: Evaluated (not abstained), this rule held the target's identity or channel against the licence
    #: register: quiet, that is the positive evidence behind "licensed". ``judge`` says when none could.
    verifies: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "thresholds", MappingProxyType(dict(self.thresholds)))

    def evaluate(self, target, ctx: VerdictContext) -> Outcome:
        return self.check(target, ctx, self.thresholds)
