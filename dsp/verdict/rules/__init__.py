"""Every verdict rule, one module each, registered here in one list per kind.

A rule module defines ``RULE`` (:class:`dsp.verdict.rules.base.Rule`): id, weight, thresholds,
reason template and check. Adding a rule = one module + one line below + a case in the tests.
"""

from dsp.verdict.rules import (
    fm_aviation_spurious, fm_co_channel, fm_fingerprint_changes, fm_looped_audio, fm_occupied_bandwidth, fm_odd_schedule,
    fm_off_raster, fm_over_deviation, fm_pilot_offset, fm_power_above_prediction, fm_rds_identity_mismatch,
    fm_rds_missing, fm_site_mismatch, fm_unlicensed_carrier, gsm_aggressive_reselection, gsm_arfcn_identity_changes,
    gsm_arfcn_outside_allocation, gsm_duplicate_identity, gsm_freq_offset, gsm_high_hysteresis,
    gsm_identity_clone, gsm_identity_unregistered, gsm_lac_unknown, gsm_moving, gsm_neighbours_few,
    gsm_neighbours_not_reciprocal, gsm_neighbours_other_operator, gsm_no_gprs, gsm_no_paging,
    gsm_plmn_foreign, gsm_power_above_site, gsm_recently_appeared, gsm_short_t3212, gsm_site_mismatch,
)
from dsp.verdict.rules.base import Abstain, Fired, Rule

GSM_RULES: tuple[Rule, ...] = tuple(m.RULE for m in (
    gsm_identity_unregistered, gsm_identity_clone, gsm_duplicate_identity, gsm_arfcn_identity_changes,
    gsm_arfcn_outside_allocation, gsm_plmn_foreign, gsm_lac_unknown, gsm_neighbours_few,
    gsm_neighbours_not_reciprocal, gsm_neighbours_other_operator, gsm_aggressive_reselection,
    gsm_high_hysteresis, gsm_short_t3212, gsm_no_paging, gsm_no_gprs, gsm_freq_offset,
    gsm_power_above_site, gsm_recently_appeared, gsm_moving, gsm_site_mismatch,
))

FM_RULES: tuple[Rule, ...] = tuple(m.RULE for m in (
    fm_unlicensed_carrier, fm_rds_identity_mismatch, fm_rds_missing, fm_over_deviation,
    fm_occupied_bandwidth, fm_pilot_offset, fm_power_above_prediction, fm_looped_audio,
    fm_aviation_spurious, fm_odd_schedule, fm_off_raster, fm_fingerprint_changes, fm_site_mismatch,
    fm_co_channel,
))

ALL_RULES: dict[str, Rule] = {r.id: r for r in GSM_RULES + FM_RULES}

__all__ = ["ALL_RULES", "FM_RULES", "GSM_RULES", "Abstain", "Fired", "Rule"]
