"""gsm.recently_appeared — a cell first heard within the last hour on a channel watched for a day
without it: blasters appear for a few hours and go."""

from dsp.verdict.context import history_key_gsm
from dsp.verdict.fields import field_of
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(cell, ctx, th):
    hist = ctx.history.get(history_key_gsm(field_of(cell, "arfcn")))
    if hist is None or hist.first_seen is None or hist.last_seen is None or hist.watched_since is None:
        return Abstain("no history of this ARFCN")
    age = hist.last_seen - hist.first_seen
    watched = hist.first_seen - hist.watched_since
    if age >= th["max_age_s"] or watched < th["min_watched_s"]:
        return None
    return Fired({"minutes": age / 60, "hours": watched / 3600})


RULE = Rule(id="gsm.recently_appeared", kind="gsm", weight=20, check=_check,
            thresholds={"max_age_s": 3600, "min_watched_s": 86400},
            template="{cell}: on the air for only {minutes:.0f} min, on a channel watched for {hours:.0f} h before without it")
