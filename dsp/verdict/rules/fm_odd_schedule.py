"""fm.odd_schedule — heard only at night on a channel also listened to by day (black broadcasts run
on timers after inspectors go home)."""

from dsp.verdict.context import history_key_fm
from dsp.verdict.fields import field_of
from dsp.verdict.rules.base import Abstain, Fired, Rule

NIGHT = frozenset({22, 23, 0, 1, 2, 3, 4, 5})


def _check(station, ctx, th):
    hist = ctx.history.get(history_key_fm(field_of(station, "freq_hz")))
    if hist is None or not hist.on_air_hours:
        return Abstain("no on-air history for this frequency")
    day_listened = {h for h in hist.listened_hours if h not in NIGHT}
    if len(day_listened) < th["min_day_hours"]:
        return Abstain("not listened to by day often enough to tell")
    if any(h not in NIGHT for h in hist.on_air_hours):
        return None
    return Fired({"hours": ", ".join(f"{h:02d}h" for h in sorted(set(hist.on_air_hours))),
                  "day": len(day_listened)})


RULE = Rule(id="fm.odd_schedule", kind="fm", weight=25, check=_check,
            thresholds={"min_day_hours": 4},
            template="{station} is on the air only at night ({hours}), silent in {day} daytime hours listened")
