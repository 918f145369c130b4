"""Verdict quality over randomised simulated neighbourhoods, at record level.

Each neighbourhood is one monitoring node in a Chinese or German city with the GSM cells of every
local operator and the FM stations licensed around it, all in the regulator's registers, plus
0–2 rogue transmitters of these kinds:

- ``fresh_identity``   a catcher inventing a cell identity and LAC under a local operator's MCC/MNC;
- ``cloned_identity``  a catcher copying a licensed cell's identity (LAC, CI, often BSIC and neighbours);
- ``neighbour_copier`` a catcher with a fresh CI in a real LAC that copies a real cell's neighbour list;
- ``low_power_pirate`` an FM pirate (10–300 W, 0.5–5 km away) on a licensed channel: the local
  licensee's or one licensed far away;
- ``over_deviating_pirate`` an FM pirate on a channel nobody is licensed for here, over-deviating.

What the generator assumes (all stated, none tuned to a rule):
licensed GSM cells — 4–9 per operator, sites 0.3–6 km away, EIRP 40–47 dBm, path-loss exponent of
the neighbourhood 2.7–3.5 (rules assume 3.0), 6 dB log-normal shadowing; per-operator CRO ceiling
6–20 dB, CRH 4–6 dB, one T3212 per operator (1–24 h), GPRS on 95 % of cells, 5–60 paged identities
per 10 s; each cell lists its nearest 6–12 same-operator cells plus 2–6 unseen ARFCNs; node clock
±30 ppm common to all carriers, BTS ±0.02 ppm, 30 Hz measurement noise; a channel history for
half the neighbourhoods.
Catchers — 50–800 m from the node, 20–33 dBm; neighbour list empty / short / copied; CRO
aggressive 60 %; T3212 short 40 %; no paged identities 95 %; GPRS 25 %; half without a GPS-locked
reference (0.3–3 ppm off); when history exists: appeared 5–50 min ago on a channel watched for
days, 40 % moving 1–5 km.
Licensed FM — 6–14 stations 5–50 km away, 1–100 kW ERP; RDS on 85 %, of which 3 % send a PI
that is not the registered one and 20 % scroll PS; deviation time over ±75 kHz log-normal
(median 0.1 %); 99 % OBW 185 ± 20 kHz; pilot ±0.15 Hz plus the node's clock error.
Pirates — RDS absent 50 % / own PI 30 % / copied PI+PS 20 %; mono 40 %; exciter pilot error
N(0, 3 Hz); 40 % over-deviate (100 % for the over-deviating kind); 15 % off raster (far-channel
case); 50 % looped adverts; 10 % an aviation-band spurious emission — a third-order product of its
carrier with the stations the node hears (2f1−f2 or f1+f2−f3 landing in 108–137 MHz, the one nearest a
uniform draw; none when no product lands there), traced by frequency as the node does across hops
(no audio: one tuner never holds both bands), so blamed only when the pirate is unlicensed here; when history exists, 60 % on air only at
night — except on a local licensee's channel, which the licensee keeps on the air by day.
Co-channel capture (pirate on the local licensee's channel): the node demodulates the stronger
carrier — its RDS, pilot and deviation — but the SUM of two FM carriers is not constant-envelope:
it beats, and dsp.fm.cochannel measures that residual AM (fm.co_channel). The feature is drawn
from the distributions benchmarks/fm_cochannel.py measured on rendered stations (its table,
benchmarks/fm_cochannel_table.json, 11 000 single-station and 4 500 two-station draws): every FM
station through random 1–3-ray rooftop multipath (echoes 0.3–0.7 at 0.5–5 µs) at 22–40 dB SNR —
the share reported near-equal (two carriers of about equal strength: the beat's maximum index), the share
not measurable (multipath too deep), the share of each class of channel (how far its
envelope's mean varies with frequency: ≤ 1 dB, ≤ 2.5 dB, more), and the index's quantiles per
class; a licensed station, a pirate on a free or far-licensed channel draw from the one-station
distribution; a pirate and the local licensee D/U dB apart from the two-station rows (0, 1.5, 3, 6,
10, 15, 20, 25, 30 dB; the near-equal share interpolated linearly between rows, the index's quantile interpolated on a log scale; beyond 30 dB the
beat falls as the amplitude ratio); none under 20 dB SNR. A pirate
``CAPTURE_DB`` (6 dB) or more under the licensee: the node demodulates the licensee, with the
pirate's beat on its envelope; that station is counted on its own line, "licensee+unheard pirate",
its verdict being the unheard pirate's detection — never among the licensed stations' false
alarms (which are printed for fm.co_channel apart). Within ±6 dB the two garble and the pirate counts as
observed, with its own features and the two carriers' summed level; above, the pirate's level.
The residual AM draws from its own random stream: the neighbourhoods stay as without it.
Channel history, when it exists: 2–8 earlier decodes of each transmitter by the network's nodes
(SNR ±8 dB around this node's; RDS from 15 dB, pilot from 10 dB, pilot offset with each node's
clock removed to 0.1 Hz); a local licensee's channel taken by a pirate holds the decodes of both.
Position fixes, when history exists, for licensed and rogue transmitters alike (the central
station's locator output, ``Simulator.fixes_at``): the newest within the last 10 min, 1–4 older
ones (hours to two days; a taken licensee's channel holds the licensee's older fixes, then the
pirate's); a catcher that drove there has one fix 1–5 km back. Error model, drawn once per
transmitter and place (shadowing around the receivers does not change between fixes of a fixed
transmitter) with 10 % jitter per fix: reported 95 % radius log-uniform 0.3–7 km (the demo's
range), independent of distance (no geometry: a far licensed station gets as tight a closed region
as a near pirate, where a real locator would often report it open, so a site rule meets every
licensed station's fix); error a 2-D Gaussian whose true 95 % radius is 0.9–1.2 × the reported one
(coverage 87–97 % per fix, ≈ 93 % overall: printed); 5 % of regions open, their estimate 2–8 km
away at the search edge. The fixes draw from their own random stream. For comparison, the
locator itself on benchmarks/locate_accuracy.py's scenarios (``--locator-tail 150``: seeds 1–2,
clean and with outliers, 1519 closed fixes): the disc of its 95 % radius held the truth in 98.6 %;
every fix that missed by more than 1.5 radii had a radius under 300 m (none of the 581 with
≥ 300 m missed at all).
``--overconfident SHARE`` stresses the site rules beyond that: the share of fixes whose error is
1.5–3 × wider than their region says.

Run: ``python benchmarks/verdict_quality.py [--quick] [--n N] [--seed S] [--explain K] [--without RULE,...]``
(``--without`` leaves rules out, to measure what one adds on the same neighbourhoods;
``--locator-tail N`` runs the real locator instead, see above). Prints detection per
rogue kind, false alarms per licensed transmitter, the rules that fired, and the same figures for a
baseline measured in the same run: "any rule fired = rogue" (the unweighted alarms of public tools).
Targets (issue 6): every rogue rogue or suspicious, ≥ 95 % rogue; no licensed transmitter rogue;
≤ 1 % suspicious.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from dsp.fm.rds_station import RdsResult
from dsp.fm.station import FmStation, Spurious
from dsp.gsm.cell import Bsic, GsmCell
from dsp.verdict import (ALL_RULES, FM_RULES, GSM_RULES, LICENSED, ROGUE, SUSPICIOUS, HeardAs, PositionFix, TargetHistory, VerdictContext, judge,
                         parse_allocations, parse_cell_register, parse_fm_register)
from dsp.verdict.context import history_key_fm, history_key_gsm
from dsp.verdict.geo import distance_m, path_loss_db

REPO = Path(__file__).resolve().parents[1]
ALLOCATIONS = parse_allocations((REPO / "recordings" / "allocations_gsm.csv").read_text(), "allocations_gsm.csv")

CITIES = {"460": (31.2304, 121.4737), "262": (52.5200, 13.4050)}
OPERATORS = {"460": ("00", "01"), "262": ("01", "02", "03")}
#: German allocations are only band-level in our table; the simulator splits E-GSM900 among the
#: three networks so their cells do not collide (the rules do not see this split).
DE_POOLS = {"01": range(1, 40), "02": range(41, 80), "03": range(81, 124)}
#: The node's receive chain: dBFS = dBm + GAIN_DB (full scale at −10 dBm); noise −100 dBm in 200 kHz.
GAIN_DB = 10.0
#: FM capture: a co-channel carrier this many dB under the other leaves no trace in what the node
#: demodulates (RDS, pilot, deviation all the stronger one's).
CAPTURE_DB = 6.0
NOISE_DBM = -100.0
NIGHT = (22, 23, 0, 1, 2, 3, 4, 5)
#: "Now" of every neighbourhood (Unix s): the channel's last observation and the time of the scan judged.
NOW = 1.8e9
#: The locator's error model for position fixes (history arm; see the module docstring): 95 % radius
#: log-uniform over this range; the error's true 95 % radius this many times the reported one
#: (coverage 87–97 %, 93 % on average); a share of regions open.
FIX_RADIUS_M = (300.0, 7000.0)
FIX_CALIBRATION = (0.9, 1.2)
FIX_OPEN = 0.05
#: ``--overconfident`` (a stress test, 0 by default): that share of fixes 1.5–3 times wider than they say.
FIX_OVERCONFIDENCE = (1.5, 3.0)
#: An open region's estimate stops at the search edge, this far (m) from the transmitter.
FIX_OPEN_OFFSET_M = (2000.0, 8000.0)
#: σ of each coordinate of a 2-D Gaussian whose 95 % circle has radius 1: P(r > R) = exp(−R²/2σ²) = 0.05.
SIGMA_PER_R95 = 1.0 / math.sqrt(-2.0 * math.log(0.05))
#: The truth of a local licensee whose channel a pirate 6+ dB weaker shares: the node demodulates the
#: licensee, with the pirate's beat on its envelope. Its verdict is the unheard pirate's detection.
LICENSEE_WITH_PIRATE = "licensee+unheard pirate"
#: Residual AM (fm.co_channel's feature) as measured by benchmarks/fm_cochannel.py: one station
#: through 1–3-ray rooftop multipath at 22–40 dB SNR, and with a second station at each D/U.
COCHANNEL = json.loads((REPO / "benchmarks" / "fm_cochannel_table.json").read_text())


def pool(mcc: str, mnc: str) -> list[int]:
    if mcc == "262":
        return list(DE_POOLS[mnc])
    return [n for b in ALLOCATIONS.of_plmn(mcc, mnc) if b.band != "DCS1800" for n in range(b.first_arfcn, b.last_arfcn + 1)]


def downlink_hz(arfcn: int) -> float:
    return 935e6 + 0.2e6 * (arfcn if arfcn < 512 else arfcn - 1024)


def imd_product(f1: float, others: list[float], near_hz: float) -> tuple[float, str, tuple[float, ...]] | None:
    """(frequency, mechanism, sources) of the third-order product of ``f1`` with two of ``others``
    (ITU-R SM.1009 type A1) that lands in the aviation band nearest ``near_hz``; None when none does."""
    found = [(2 * f1 - a, "2f1-f2", (f1, a)) for a in others]
    found += [(f1 + a - b, "f1+f2-f3", (f1, a, b)) for a in others for b in others if a != b]
    found = [p for p in found if 108e6 <= p[0] <= 137e6]
    return min(found, key=lambda p: abs(p[0] - near_hz)) if found else None


def offset_point(rng, origin, lo_m, hi_m):
    d, bearing = rng.uniform(lo_m, hi_m), rng.uniform(0, 2 * math.pi)
    return shifted(origin, d * math.sin(bearing), d * math.cos(bearing))


def shifted(origin, east_m, north_m):
    return (origin[0] + north_m / 111_195.0,
            origin[1] + east_m / (111_195.0 * math.cos(math.radians(origin[0]))))


@dataclasses.dataclass
class Hood:
    """One simulated neighbourhood: what the node saw, the registers, and the truth per target."""

    gsm_ctx: VerdictContext
    fm_ctx: VerdictContext
    gsm_truth: list  # (cell, kind or "licensed")
    fm_truth: list
    #: Whether the central station's history of the channels is known (else one scan alone).
    with_history: bool


class Simulator:
    def __init__(self, rng: np.random.Generator, history_rng: np.random.Generator, fix_rng: np.random.Generator,
                 cochannel_rng: np.random.Generator, overconfident: float = 0.0):
        self.rng = rng
        #: Earlier decodes of FM channels draw from their own stream: the neighbourhoods stay as without them.
        self.history_rng = history_rng
        #: Position fixes too (the locator's errors, and where a catcher was before it moved).
        self.fix_rng = fix_rng
        #: And the residual AM of every FM station (the neighbourhoods stay as without it).
        self.cochannel_rng = cochannel_rng
        self.overconfident = overconfident
        #: Fixes generated: how many, open, and closed ones whose 95 % radius holds the truth.
        self.fix_stats = collections.Counter()

    def fixes_at(self, site, times) -> tuple[PositionFix, ...]:
        """The locator's fixes of a transmitter standing at ``site``, one per time. Its error is drawn
        once per place (the shadowing around the receivers does not change between fixes of a fixed
        transmitter) with a little jitter per fix: a reported 95 % radius drawn log-uniformly from
        FIX_RADIUS_M, a 2-D Gaussian error whose true 95 % radius is FIX_CALIBRATION times it (the
        ``overconfident`` share: FIX_OVERCONFIDENCE times), and a FIX_OPEN share of open regions
        whose estimate stops 2–8 km away at the search edge."""
        rng = self.fix_rng
        radius = float(math.exp(rng.uniform(*np.log(FIX_RADIUS_M))))
        is_open = bool(rng.random() < FIX_OPEN)
        wider = FIX_OVERCONFIDENCE if rng.random() < self.overconfident else FIX_CALIBRATION
        sigma = radius * SIGMA_PER_R95 * rng.uniform(*wider)
        error = rng.normal(0.0, sigma, 2)
        if is_open:
            bearing = rng.uniform(0, 2 * math.pi)
            error = rng.uniform(*FIX_OPEN_OFFSET_M) * np.array([math.sin(bearing), math.cos(bearing)])
        out = []
        for t in times:
            east, north = error + rng.normal(0.0, 0.1 * sigma, 2)
            fix = PositionFix(*shifted(site, east, north), radius * float(rng.uniform(0.9, 1.1)), open=is_open,
                              time=float(t), n_sites=int(rng.integers(3, 16)))
            self.fix_stats["fixes"] += 1
            self.fix_stats["open"] += is_open
            self.fix_stats["closed_covering"] += not is_open and distance_m(fix.lat, fix.lon, *site) <= fix.radius_95_m
            out.append(fix)
        return tuple(out)

    def track(self, site, current: bool = True) -> tuple[PositionFix, ...]:
        """A fixed transmitter's fixes: 1–4 older ones (hours to two days ago), then (``current``) the
        newest, within the locator's last 10-minute window."""
        rng = self.fix_rng
        times = sorted(NOW - rng.uniform(3600, 2 * 86400, int(rng.integers(1, 5))))
        return self.fixes_at(site, times + [NOW - rng.uniform(0, 600)] * current)

    # ------------------------------------------------------------------------------------ GSM

    def received(self, eirp_dbm, node, site, freq, exponent) -> float:
        loss = path_loss_db(distance_m(*node, *site), freq, exponent)
        return eirp_dbm - loss + self.rng.normal(0, 6.0) + GAIN_DB

    def offset_hz(self, freq, node_ppm, extra_ppm=0.0) -> float:
        return freq * (node_ppm + self.rng.normal(0, 0.02) + extra_ppm) * 1e-6 + self.rng.normal(0, 30)

    def gsm(self, mcc, node, exponent, node_ppm, with_history, n_rogues):
        rng = self.rng
        rows, cells, profiles = [], [], {}
        for mnc in OPERATORS[mcc]:
            channels = rng.permutation(pool(mcc, mnc))
            n = int(rng.integers(4, 10))
            lac = int(rng.integers(1000, 60000))
            prof = {"cro_max": int(rng.choice([6, 10, 16, 20])), "crh": int(rng.choice([4, 6])),
                    "t3212": int(rng.choice([10, 20, 30, 60, 240])), "paging": rng.uniform(5, 60),
                    "lac": lac, "unused": [int(c) for c in channels[n:]], "rogue_arfcns": set()}
            prof["paged"] = int(rng.poisson(prof["paging"]))  # a LAC's pages go out in all its cells
            profiles[mnc] = prof
            sites = [offset_point(rng, node, 300, 6000) for _ in range(n)]
            for i in range(n):
                ci, arfcn, bsic = int(rng.integers(1, 65535)), int(channels[i]), int(rng.integers(0, 64))
                eirp = float(rng.uniform(40, 47))
                rows.append(dict(mnc=mnc, lac=lac, ci=ci, arfcn=arfcn, bsic=bsic, site=sites[i], eirp=eirp))
        for r in rows:
            same = sorted((distance_m(*r["site"], *o["site"]), o["arfcn"]) for o in rows
                          if o["mnc"] == r["mnc"] and o is not r)
            k = int(self.rng.integers(6, 13))
            unseen = list(self.rng.choice(profiles[r["mnc"]]["unused"], size=int(self.rng.integers(2, 7)), replace=False))
            prof = profiles[r["mnc"]]
            freq = downlink_hz(r["arfcn"])
            cells.append(self.cell(
                arfcn=r["arfcn"], bsic=r["bsic"], mcc=mcc, mnc=r["mnc"], lac=r["lac"], cell_id=r["ci"],
                neighbours=tuple(sorted({a for _, a in same[:k]} | {int(u) for u in unseen})),
                cro_db=int(rng.integers(0, prof["cro_max"] // 2 + 1)) * 2,
                crh_db=prof["crh"] + int(rng.choice([0, 0, 0, 2])) if prof["crh"] < 6 else prof["crh"],
                t3212_decihours=prof["t3212"], gprs=bool(rng.random() < 0.95),
                paging_identities=int(rng.binomial(prof["paged"], 0.95)),
                power_dbfs=self.received(r["eirp"], node, r["site"], freq, exponent),
                freq_offset_hz=self.offset_hz(freq, node_ppm)))
        register = "operator,mcc,mnc,lac,cell_id,arfcn,bsic,lat,lon,azimuth,power_dbm\n" + "".join(
            f"op{r['mnc']},{mcc},{r['mnc']},{r['lac']},{r['ci']},{r['arfcn']},{r['bsic']},"
            f"{r['site'][0]:.6f},{r['site'][1]:.6f},,{r['eirp']:.1f}\n" for r in rows)
        history = {}
        if with_history:
            for c, r in zip(cells, rows):
                history[history_key_gsm(c.arfcn)] = self.fixed_history(r["site"], (mcc, c.mnc, c.lac, c.cell_id))
        truth = [(c, LICENSED) for c in cells]
        kinds = ("fresh_identity", "cloned_identity", "neighbour_copier")
        for _ in range(n_rogues):
            kind = str(rng.choice(kinds))
            mnc = str(rng.choice(OPERATORS[mcc]))
            rogue, hist = self.catcher(kind, mcc, mnc, profiles[mnc], [c for c, _ in truth], node, node_ppm, exponent)
            if kind == "cloned_identity" and rng.random() < 0.3:  # the original out of the node's reach
                truth = [(c, t) for c, t in truth if not (c.cell_id == rogue.cell_id and c.lac == rogue.lac)]
            truth.append((rogue, kind))
            profiles[mnc]["rogue_arfcns"].add(rogue.arfcn)
            if rogue.arfcn in profiles[mnc]["unused"]:
                profiles[mnc]["unused"].remove(rogue.arfcn)
            if with_history:
                history[history_key_gsm(rogue.arfcn)] = hist
        ctx = VerdictContext(cell_register=parse_cell_register(register, "sim-register"), allocations=ALLOCATIONS,
                             country_mcc=mcc, node=node, cells=tuple(c for c, _ in truth), observed_s=10.0,
                             history=history)
        return ctx, truth

    def cell(self, **kw) -> GsmCell:
        base = dict(freq_hz=downlink_hz(kw["arfcn"]), temporary_offset_db=0, penalty_time_s=20, cell_barred=False,
                    rxlev_access_min=int(self.rng.integers(0, 10)), si_types=(), snr_db=25.0, blocks_ok=80,
                    blocks_bad=3, paging_count=0, first_seen_s=0.0, last_seen_s=10.0)
        base.update(kw)
        base["bsic"] = Bsic(base["bsic"] // 8, base["bsic"] % 8)
        base["si_types"] = ("SI1", "SI2", "SI3", "SI4") + (("SI13",) if base["gprs"] else ())
        base["paging_count"] = max(base["paging_identities"], 8)  # idle PCH carries empty pagings
        return GsmCell(**base)

    def fixed_history(self, site, identity) -> TargetHistory:
        return TargetHistory(first_seen=NOW - self.rng.uniform(20, 400) * 86400, last_seen=NOW,
                             watched_since=NOW - 500 * 86400, positions=self.track(site), identities=(identity,))

    def catcher(self, kind, mcc, mnc, prof, cells, node, node_ppm, exponent):
        rng = self.rng
        own = [c for c in cells if c.mnc == mnc and c.arfcn not in prof["rogue_arfcns"]]
        template = own[int(rng.integers(len(own)))]
        in_use = {c.arfcn for c in cells}
        anywhere = [n for n in range(1, 125) if n not in in_use]
        arfcn = int(rng.choice(prof["unused"] if rng.random() < 0.8 else anywhere))
        site = offset_point(rng, node, 50, 800)
        freq = downlink_hz(arfcn)
        gpsdo = rng.random() < 0.5
        extra_ppm = 0.0 if gpsdo else float(rng.choice([-1, 1]) * rng.uniform(0.3, 3.0))
        r = rng.random()
        neighbours = () if r < 0.4 else tuple(sorted(rng.choice(template.neighbours, size=int(rng.integers(1, 3)),
                                                                replace=False))) if r < 0.65 else template.neighbours
        if kind == "fresh_identity":
            lac, ci, bsic = int(rng.integers(10000, 65000)), int(rng.integers(1, 65535)), int(rng.integers(0, 64))
        elif kind == "cloned_identity":
            lac, ci = template.lac, template.cell_id
            bsic = template.bsic.ncc * 8 + template.bsic.bcc if rng.random() < 0.5 else int(rng.integers(0, 64))
            neighbours = template.neighbours if rng.random() < 0.8 else ()
        else:
            lac, ci, bsic = template.lac, int(rng.integers(1, 65535)), int(rng.integers(0, 64))
            neighbours = template.neighbours
        cro = int(rng.integers(15, 64)) * 2 if rng.random() < 0.6 else int(rng.integers(0, prof["cro_max"] // 2 + 1)) * 2
        cell = self.cell(arfcn=arfcn, bsic=bsic, mcc=mcc, mnc=mnc, lac=lac, cell_id=ci, neighbours=neighbours,
                         cro_db=cro, crh_db=prof["crh"] if rng.random() < 0.7 else 14,
                         t3212_decihours=int(rng.integers(1, 4)) if rng.random() < 0.4 else prof["t3212"],
                         gprs=bool(rng.random() < 0.25),
                         paging_identities=0 if rng.random() < 0.95 else int(rng.integers(1, 4)),
                         power_dbfs=self.received(float(rng.uniform(20, 33)), node, site, freq, exponent),
                         freq_offset_hz=self.offset_hz(freq, node_ppm, extra_ppm))
        age_s = rng.uniform(5, 50) * 60
        hist = TargetHistory(first_seen=NOW - age_s, last_seen=NOW, watched_since=NOW - rng.uniform(2, 30) * 86400,
                             positions=self.catcher_track(site, age_s), identities=((mcc, mnc, lac, ci),))
        return cell, hist

    def catcher_track(self, site, age_s) -> tuple[PositionFix, ...]:
        """Since it appeared: 40 % drove here from 1–5 km away (a fix there, then one here), the rest stood here."""
        rng = self.fix_rng
        newest = NOW - rng.uniform(0, min(600, age_s))
        if rng.random() < 0.4:
            return self.fixes_at(offset_point(rng, site, 1000, 5000), [NOW - age_s + 60]) + self.fixes_at(site, [newest])
        return self.fixes_at(site, [newest])

    # ------------------------------------------------------------------------------------- FM

    def rds(self, pi, ps, scroll=False) -> RdsResult:
        seen = ((ps, 40),) if not scroll else (("NOW ON  ", 30), ("AIR     ", 25)) + (((ps, 10),) if self.rng.random() < 0.8 else ())
        return RdsResult(pi=pi, ps=seen[0][0], rt=None, pty=1, tp=False, ta=False, ms=True, di=1, af=(), ct=None,
                         ecc=None, groups_ok=300, groups_total=320, blocks_total=1280, block_error_rate=0.03,
                         ps_seen=seen)

    def station(self, freq, power_dbfs, rds, stereo, node_err, over=None, p999=None, obw=None, pilot=None,
                raster_hz=0.0, loop=None) -> FmStation:
        rng = self.rng
        over = float(math.exp(rng.normal(math.log(1e-3), 0.8))) if over is None else over
        p999 = float(rng.normal(70e3, 4e3)) if p999 is None else p999
        over = min(over, 1e-3) if p999 < 75e3 else over  # 99.9 % of the time under 75 kHz: at most 0.1 % over
        obw = float(rng.normal(185e3, 20e3) if stereo else rng.normal(150e3, 15e3)) if obw is None else obw
        measured = freq + raster_hz + node_err["tune_ppm"] * freq * 1e-6 + rng.normal(0, 300)
        channel = round(measured / 1e5) * 1e5
        pilot_err = None if not stereo else node_err["pilot_hz"] + (rng.normal(0, 0.15) if pilot is None else pilot)
        period, conf = (None, float(rng.uniform(0, 0.6))) if loop is None else loop
        return FmStation(freq_hz=measured, power_dbfs=power_dbfs, snr_db=float(min(60.0, power_dbfs - GAIN_DB - NOISE_DBM)),
                         occupied_bw_hz=obw, peak_deviation_hz=p999 * 1.05, stereo=stereo, rds=rds, channel_hz=channel,
                         freq_offset_hz=measured - channel, occupied_bw_xdb_hz=obw * 1.1, deviation_p999_hz=p999,
                         over_75k_fraction=over, mpx_power_dbr=0.0, pilot_level_hz=6.8e3 if stereo else None,
                         pilot_freq_error_hz=pilot_err, loop_period_s=period, loop_confidence=conf)

    def residual_am(self, snr_db: float, du_db: float | None = None) -> dict:
        """The residual AM and multipath class dsp.fm.cochannel would report: drawn from the measured
        distribution of one station (``du_db`` None) or of two D/U dB apart. First its near-equal report
        (the beat's maximum index, multipath_db the median of those draws) by its measured share — one
        station's false rate, or between the D/U rows the share interpolated linearly —; otherwise the
        class of channel (how far multipath makes the envelope vary) by its measured share, multipath_db
        uniform within the class, the index's quantile interpolated on log index between the D/U rows
        (the class share and the measurable share from the nearer row, which alone gives the index
        where the other holds no draw of that class; beyond the last row the beat falls as the
        amplitude ratio). Not measured under 20 dB SNR, nor where multipath was too deep."""
        if snr_db < 20.0:
            return {"residual_am": None, "multipath_db": None}
        # One draw of the stream per call, whatever comes out: a changed outcome leaves the others as they were.
        rng = np.random.default_rng(int(self.cochannel_rng.integers(2 ** 63)))
        if du_db is None:
            dist, scale = COCHANNEL["single"], 1.0
            near_equal = dist["near_equal"]
        else:
            rows = sorted(float(k) for k in COCHANNEL["cochannel"])
            du = min(max(du_db, rows[0]), rows[-1])
            lo = max(r for r in rows if r <= du)
            hi = min(r for r in rows if r >= du)
            w = 0.0 if hi == lo else (du - lo) / (hi - lo)
            dist = COCHANNEL["cochannel"][f"{lo:g}"] if w < 0.5 else COCHANNEL["cochannel"][f"{hi:g}"]
            scale = 10 ** (-(du_db - rows[-1]) / 20) if du_db > rows[-1] else 1.0
            near_equal = (1 - w) * COCHANNEL["cochannel"][f"{lo:g}"]["near_equal"] + \
                w * COCHANNEL["cochannel"][f"{hi:g}"]["near_equal"]
        # Near-equal under its share, then measured (an index) by the nearer row's share of the draws
        # its near-equal report left, else not measured.
        outcome = rng.random()
        if outcome < near_equal:
            depth = dist["near_equal_multipath_db"] or COCHANNEL["max_multipath_db"]
            return {"residual_am": COCHANNEL["near_equal_index"], "multipath_db": depth}
        indexed = (dist["measurable"] - dist["near_equal"]) / max(1e-9, 1 - dist["near_equal"])
        if outcome >= near_equal + (1 - near_equal) * indexed:
            return {"residual_am": None, "multipath_db": None}
        c = int(rng.choice(len(dist["class_share"]), p=np.array(dist["class_share"]) / sum(dist["class_share"])))
        u, levels = rng.uniform(0, 100), COCHANNEL["percentiles"]
        am = float(np.interp(u, levels, dist["class_q"][c]))
        if du_db is not None and hi != lo and all(COCHANNEL["cochannel"][f"{r:g}"]["class_q"][c] for r in (lo, hi)):
            a = [max(float(np.interp(u, levels, COCHANNEL["cochannel"][f"{r:g}"]["class_q"][c])), 1e-4) for r in (lo, hi)]
            am = float(math.exp((1 - w) * math.log(a[0]) + w * math.log(a[1])))
        bounds = [0.0] + COCHANNEL["class_bounds_db"] + [COCHANNEL["max_multipath_db"]]
        return {"residual_am": am * scale, "multipath_db": float(rng.uniform(bounds[c], bounds[c + 1]))}

    def heard_as(self, st: FmStation, node_err) -> tuple[HeardAs, ...]:
        """2–8 earlier decodes of this transmitter by the network's nodes, their SNR spread ±8 dB around
        this node's; RDS decodes from 15 dB SNR, the pilot from 10 dB, its offset with each node's clock
        removed on the licensed stations it hears (0.1 Hz left)."""
        rng, pi = self.history_rng, st.rds.pi if st.rds is not None else None
        snrs = np.clip(st.snr_db + rng.normal(0, 8, int(rng.integers(2, 9))), 0, 60)
        exciter = None if st.pilot_freq_error_hz is None else st.pilot_freq_error_hz - node_err["pilot_hz"]
        return tuple(HeardAs(pi=pi if snr >= 15 else None, stereo=bool(st.stereo and snr >= 10), snr_db=float(snr),
                             pilot_offset_hz=None if exciter is None or snr < 10 else exciter + rng.normal(0, 0.1))
                     for snr in snrs)

    def fm(self, node, exponent, node_err, with_history, n_rogues):
        rng = self.rng
        channels = [87.6e6 + 0.1e6 * k for k in range(0, 204, 2)]
        picks = rng.permutation(len(channels))
        n = int(rng.integers(6, 15))
        licences, truth, history = [], [], {}
        for i in range(n + 2):
            far = i >= n  # two licences in another city, not received here
            site = offset_point(rng, node, 200e3, 400e3) if far else offset_point(rng, node, 5e3, 50e3)
            erp = float(rng.choice([1e3, 3e3, 10e3, 30e3, 100e3]))
            sends_rds = rng.random() < 0.85
            pi = f"{int(rng.integers(0x1000, 0xFFFF)):04X}" if sends_rds else ""
            ps = f"FM{i:02d}" if sends_rds else ""
            lic = dict(freq=channels[picks[i]], pi=pi, ps=ps, site=site, erp=erp, far=far)
            licences.append(lic)
        for lic in licences:
            if lic["far"]:
                continue
            sent_pi = lic["pi"] if rng.random() > 0.03 else f"{int(rng.integers(0x1000, 0xFFFF)):04X}"
            rds = self.rds(sent_pi, f"{lic['ps']:8}", scroll=rng.random() < 0.2) if lic["pi"] else None
            power = self.received(10 * math.log10(lic["erp"] * 1e3), node, lic["site"], lic["freq"], exponent)
            st = self.station(lic["freq"], power, rds, bool(rng.random() < 0.9), node_err)
            st = dataclasses.replace(st, **self.residual_am(st.snr_db))
            lic["station"] = st
            truth.append((st, LICENSED))
            if with_history:
                history[history_key_fm(st.freq_hz)] = TargetHistory(on_air_hours=tuple(range(24)),
                                                                     listened_hours=tuple(range(24)),
                                                                     heard_as=self.heard_as(st, node_err),
                                                                     last_seen=NOW, positions=self.track(lic["site"]))
        spurious = []
        free = [channels[k] for k in picks[n + 2:]]
        for _ in range(n_rogues):
            kind = "low_power_pirate" if rng.random() < 0.5 else "over_deviating_pirate"
            st, replaced, site, licensee_site, du = self.pirate(kind, licences, truth, free, node, exponent, node_err)
            spurious_at = float(rng.uniform(108e6, 137e6)) if rng.random() < 0.1 else None
            hours = tuple(range(24))
            if with_history:
                night = NIGHT[:int(rng.integers(3, 8))] if rng.random() < 0.6 else hours
                # On a local licensee's channel the licensee is on the air by day: the channel is never silent.
                hours = hours if replaced is not None else night
            if st is None:
                # The node demodulates the licensee, with the weaker pirate's beat on its envelope.
                beat = dataclasses.replace(replaced, **self.residual_am(replaced.snr_db, du))
                truth = [(beat, LICENSEE_WITH_PIRATE) if s is replaced else (s, t) for s, t in truth]
                continue
            if replaced is not None:
                truth = [(s, t) for s, t in truth if s is not replaced]
            truth.append((st, kind))
            product = None if spurious_at is None else imd_product(st.freq_hz, [s.freq_hz for s, _ in truth if s is not st],
                                                                  spurious_at)
            if product is not None:
                spurious.append(Spurious(freq_hz=product[0], power_dbfs=-75.0, related_to_hz=st.freq_hz,
                                         mechanism=product[1], sources_hz=product[2]))
            if with_history:
                # A local licensee's channel was heard as the licensee too: by day, and by nodes out of the pirate's reach.
                heard = self.heard_as(st, node_err) + (self.heard_as(replaced, node_err) if replaced is not None else ())
                # The channel's fixes: the licensee's (older, by day) before the pirate's own, newest.
                licensee = self.track(licensee_site, current=False) if replaced is not None else ()
                history[history_key_fm(st.freq_hz)] = TargetHistory(
                    on_air_hours=hours, listened_hours=tuple(range(24)), heard_as=heard, last_seen=NOW,
                    positions=licensee + self.fixes_at(site, [NOW - self.fix_rng.uniform(0, 600)]))
        register = "freq_hz,pi,ps,name,lat,lon,erp_w,licence_id\n" + "".join(
            f"{lic['freq']:.0f},{lic['pi']},{lic['ps']},Station {i},{lic['site'][0]:.6f},{lic['site'][1]:.6f},"
            f"{lic['erp']:.0f},L{i}\n" for i, lic in enumerate(licences))
        ctx = VerdictContext(fm_register=parse_fm_register(register, "sim-fm-register"), node=node,
                             stations=tuple(s for s, _ in truth), spurious=tuple(spurious), spurious_searched=True,
                             history=history)
        return ctx, truth

    def pirate(self, kind, licences, truth, free, node, exponent, node_err):
        rng = self.rng
        replaced = licensee_site = None
        erp = float(rng.uniform(10, 300)) if kind == "low_power_pirate" else float(rng.uniform(30, 1000))
        site = offset_point(rng, node, 500, 5000) if kind == "low_power_pirate" else offset_point(rng, node, 1000, 10000)
        raster = 0.0
        copied = None
        if kind == "low_power_pirate":
            local = [lic for lic in licences if not lic["far"] and not lic.get("taken")]
            if rng.random() < 0.5 and local:
                lic = local[int(rng.integers(len(local)))]
                lic["taken"] = True
                replaced, freq = lic["station"], lic["freq"]
            else:
                far = [x for x in licences if x["far"] and not x.get("taken")] or [x for x in licences if x["far"]]
                lic = far[0]  # licensed in another city
                lic["taken"] = True
                freq = lic["freq"]
                raster = float(rng.choice([-1, 1]) * rng.uniform(10e3, 40e3)) if rng.random() < 0.15 else 0.0
            copied = lic
            licensee_site = lic["site"]
        else:
            freq = float(free.pop(int(rng.integers(len(free)))))
        power = self.received(10 * math.log10(erp * 1e3), node, site, freq, exponent)
        heard, du = True, None
        if replaced is not None:
            # Under the licensee by the capture ratio, the node demodulates the licensee: nothing of the
            # pirate reaches it. Within the ratio the two garble; counted as observed, with the pirate's
            # features and the two carriers' summed level (what a power measurement on the channel reads).
            heard = power - replaced.power_dbfs > -CAPTURE_DB
            du = abs(power - replaced.power_dbfs)
            power = 10 * math.log10(10 ** (power / 10) + 10 ** (replaced.power_dbfs / 10))
        r = rng.random()
        if r < 0.5:
            rds = None
        elif r < 0.8 or copied is None or not copied["pi"]:
            rds = self.rds(f"{int(rng.integers(0x1000, 0xFFFF)):04X}", "BEST MED")
        else:
            rds = self.rds(copied["pi"], f"{copied['ps']:8}")
        over_dev = kind == "over_deviating_pirate" or rng.random() < 0.4
        stereo = bool(rng.random() < 0.6)
        st = self.station(freq, power, rds, stereo, node_err,
                          over=float(rng.uniform(0.03, 0.3)) if kind == "over_deviating_pirate" else
                          (float(rng.uniform(0.02, 0.2)) if over_dev else None),
                          p999=float(rng.uniform(90e3, 140e3)) if over_dev else None,
                          obw=float(rng.uniform(260e3, 400e3)) if over_dev else None,
                          pilot=float(rng.normal(0, 3.0)), raster_hz=raster,
                          loop=(float(rng.uniform(30, 300)), float(rng.uniform(0.85, 0.99))) if rng.random() < 0.5 else None)
        st = dataclasses.replace(st, **self.residual_am(st.snr_db, du))
        return (st, replaced, site, licensee_site, du) if heard else (None, replaced, None, None, du)

    def hood(self) -> Hood:
        rng = self.rng
        mcc = str(rng.choice(list(CITIES)))
        node = offset_point(rng, CITIES[mcc], 0, 3000)
        exponent = float(rng.uniform(2.7, 3.5))
        node_ppm = float(rng.uniform(-30, 30))
        node_err = {"tune_ppm": node_ppm, "pilot_hz": node_ppm * 19e3 * 1e-6}
        with_history = bool(rng.random() < 0.5)
        n_rogues = [int(rng.integers(0, 3)) for _ in range(2)]
        gsm_ctx, gsm_truth = self.gsm(mcc, node, exponent, node_ppm, with_history, n_rogues[0])
        fm_ctx, fm_truth = self.fm(node, exponent, node_err, with_history, n_rogues[1])
        return Hood(gsm_ctx, fm_ctx, gsm_truth, fm_truth, with_history)


def evaluate(n: int, seed: int, explain: int = 0, out=sys.stdout, without=(), overconfident: float = 0.0):
    """(truth kind, verdict class, fired rule ids, history known) per transmitter, and the position
    fixes' statistics; prints up to ``explain`` misjudged ones. ``without``: rule ids left out (ablation)."""
    sim = Simulator(np.random.default_rng(seed), np.random.default_rng([seed, 1]), np.random.default_rng([seed, 2]),
                    np.random.default_rng([seed, 3]), overconfident)
    gsm_rules, fm_rules = ([r for r in rules if r.id not in without] for rules in (GSM_RULES, FM_RULES))
    rows = []
    for _ in range(n):
        hood = sim.hood()
        for ctx, truth, rules in ((hood.gsm_ctx, hood.gsm_truth, gsm_rules), (hood.fm_ctx, hood.fm_truth, fm_rules)):
            for target, kind in truth:
                v = judge(target, ctx, rules)
                rows.append((kind, v.klass, tuple(r.rule for r in v.reasons if r.weight > 0), hood.with_history))
                if explain and (v.klass != LICENSED) == (kind == LICENSED) or explain and kind != LICENSED \
                        and v.klass != ROGUE:
                    explain -= 1
                    out.write(f"[{kind} judged {v.klass} {v.score}] {v.sentence()}\n")
    return rows, sim.fix_stats


def report(rows, out=sys.stdout) -> dict:
    by_kind = collections.defaultdict(list)
    for kind, klass, fired, _ in rows:
        by_kind[kind].append((klass, fired))
    apart = (LICENSED, LICENSEE_WITH_PIRATE)  # not in the rogue rates
    w = out.write
    w(f"{'transmitters':24} {'n':>5} {'rogue':>7} {'suspic.':>7} {'licensed':>8} | baseline 'any rule = rogue'\n")
    figures = {}
    for kind in sorted(by_kind, key=lambda k: (k != LICENSED, k)):
        items = by_kind[kind]
        m = len(items)
        share = {c: sum(k == c for k, _ in items) / m for c in (ROGUE, SUSPICIOUS, LICENSED)}
        any_fired = sum(bool(f) for _, f in items) / m
        figures[kind] = (m, share, any_fired)
        w(f"{kind:24} {m:5d} {100 * share[ROGUE]:6.1f}% {100 * share[SUSPICIOUS]:6.1f}% {100 * share[LICENSED]:7.1f}% "
          f"| {100 * any_fired:6.1f}% rogue\n")
    rogues = [(k, f) for kind, items in by_kind.items() if kind not in apart for k, f in items]
    lic = by_kind[LICENSED]
    detected = sum(k == ROGUE for k, _ in rogues) / max(1, len(rogues))
    flagged = sum(k != LICENSED for k, _ in rogues) / max(1, len(rogues))
    lic_rogue = sum(k == ROGUE for k, _ in lic)
    lic_susp = sum(k == SUSPICIOUS for k, _ in lic) / max(1, len(lic))
    base_fa = sum(bool(f) for _, f in lic) / max(1, len(lic))
    w(f"\nrogues: {len(rogues)}; judged rogue {100 * detected:.1f} % (target ≥ 95 %), rogue or suspicious "
      f"{100 * flagged:.1f} % (target 100 %)\n")
    for known, what in ((True, "with the channel's history (the central station)"),
                        (False, "from one scan alone (as `foxhunt check`)")):
        part = [klass for kind, klass, _, h in rows if kind not in apart and h == known]
        if part:
            w(f"  {what}: {len(part)} rogues, judged rogue {100 * part.count(ROGUE) / len(part):.1f} %, "
              f"rogue or suspicious {100 * (len(part) - part.count(LICENSED)) / len(part):.1f} %\n")
    beats = by_kind[LICENSEE_WITH_PIRATE]
    n_unheard = len(beats)
    unheard_flagged = sum(k != LICENSED for k, _ in beats) / max(1, n_unheard)
    if n_unheard:
        w(f"pirates {CAPTURE_DB:g} dB or more under the co-channel licensee (not in the rates above; the node "
          f"demodulates the licensee, the pirate's beat on its envelope): {n_unheard}; the licensee's channel "
          f"flagged (the pirate detected) {100 * unheard_flagged:.1f} %, rogue "
          f"{100 * sum(k == ROGUE for k, _ in beats) / n_unheard:.1f} %; with them, every rogue judged rogue "
          f"{100 * (sum(k == ROGUE for k, _ in rogues + beats)) / (len(rogues) + n_unheard):.1f} %, rogue or "
          f"suspicious {100 * (sum(k != LICENSED for k, _ in rogues + beats)) / (len(rogues) + n_unheard):.1f} %\n")
    w(f"licensed: {len(lic)}; judged rogue {lic_rogue} (target 0), suspicious {100 * lic_susp:.2f} % (target ≤ 1 %)\n")
    co = [k for k, f in lic if "fm.co_channel" in f]
    w(f"  fm.co_channel (residual AM) on licensed stations alone: fired on {len(co)}, "
      f"{sum(k != LICENSED for k in co)} of them judged suspicious or rogue\n")
    w(f"baseline (any rule fired = rogue): false alarms {100 * base_fa:.2f} % of licensed transmitters, "
      f"{base_fa / max(lic_susp + lic_rogue / max(1, len(lic)), 1e-9):.0f}× the weighted verdict's "
      f"suspicious+rogue rate\n" if lic_susp or lic_rogue else
      f"baseline (any rule fired = rogue): false alarms {100 * base_fa:.2f} % of licensed transmitters "
      f"(weighted verdict: 0)\n")
    w("\nrules fired on rogues / on licensed transmitters:\n")
    on_rogue = collections.Counter(r for _, f in rogues for r in f)
    on_lic = collections.Counter(r for _, f in lic for r in f)
    for rule in sorted(set(on_rogue) | set(on_lic), key=lambda r: -on_rogue[r]):
        w(f"  {rule:32} {on_rogue[rule]:5d} {on_lic[rule]:5d}\n")
    return {"detected": detected, "flagged": flagged, "unheard": n_unheard, "unheard_flagged": unheard_flagged,
            "licensed_rogue": lic_rogue,
            "licensed_suspicious": lic_susp, "baseline_false_alarm": base_fa, "figures": figures}


def locator_tail(n_per_kind: int, seeds=(1, 2)) -> None:
    """The real locator's fixes against the site rules' test: locate_accuracy.py's scenarios (clean
    and with 10 % outliers), each fix's error beside its 95 % radius, and how often a transmitter
    at its licensed site would be called elsewhere (``dsp.verdict.position.site_mismatch``'s test)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import locate_accuracy
    from locator.errors import LocatorError
    from locator.estimate import solve
    th = ALL_RULES["fm.site_mismatch"].thresholds
    closed, n_open = [], 0
    for seed in seeds:
        for outliers in (False, True):
            for k, kind in enumerate(("fixed", "drive", "mixed")):
                for i in range(n_per_kind):
                    s = seed * 100_000 + k * 10_000 + i
                    sc = locate_accuracy.scenario(np.random.default_rng(s), kind, outliers, s + 7)
                    try:
                        sol = solve(sc.readings, frame=sc.frame)
                    except LocatorError:
                        continue
                    if not sol.region.bounded:
                        n_open += 1
                        continue
                    closed.append((float(np.hypot(sol.theta[0] - sc.tx.x, sol.theta[1] - sc.tx.y)), sol.fix.radius_95_m))
    err, radius = np.array(closed).T
    fired = np.sum(err - radius > np.maximum(th["margin_m"], th["margin_ratio"] * radius))
    print(f"locator on locate_accuracy's scenarios (seeds {', '.join(map(str, seeds))}, {n_per_kind} per kind, clean "
          f"and with outliers): {len(err)} closed fixes, {n_open} open; radius median {np.median(radius):.0f} m, "
          f"95th percentile {np.percentile(radius, 95):.0f} m")
    for lo in (0.0, 300.0):
        sel = radius >= lo
        ratio = err[sel] / radius[sel]
        print(f"  radius >= {lo:4.0f} m: {sel.sum():4d} fixes, error <= radius {100 * np.mean(ratio <= 1):.1f} %, "
              f"> 1.5 radii {100 * np.mean(ratio > 1.5):.2f} %, > 2 radii {100 * np.mean(ratio > 2):.2f} %, "
              f"> 3 radii {100 * np.mean(ratio > 3):.2f} %")
    print(f"  the site rules' test (error − radius > max({th['margin_m']:g} m, {th['margin_ratio']:g} × radius)) "
          f"holds for {fired} of them")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="100 neighbourhoods instead of 400")
    p.add_argument("--n", type=int, help="number of neighbourhoods")
    p.add_argument("--seed", type=int, default=6)
    p.add_argument("--explain", type=int, default=0, metavar="K", help="print the reasons of up to K misjudged transmitters")
    p.add_argument("--without", default="", metavar="RULE[,RULE]", help="leave these rules out (ablation)")
    p.add_argument("--overconfident", type=float, default=0.0, metavar="SHARE",
                   help="stress test: this share of position fixes has an error 1.5-3 times wider than its region says")
    p.add_argument("--locator-tail", type=int, default=0, metavar="N",
                   help="instead: run the real locator on N of locate_accuracy.py's scenarios per kind and seed, "
                        "and print how its errors compare with its 95 %% radii")
    args = p.parse_args(argv)
    if args.locator_tail:
        locator_tail(args.locator_tail)
        return 0
    n = args.n or (100 if args.quick else 400)
    without = {r for r in args.without.split(",") if r}
    unknown = without - {r.id for r in GSM_RULES + FM_RULES}
    if unknown:
        p.error(f"--without: no rule {', '.join(sorted(unknown))}")
    t0 = time.perf_counter()
    rows, fixes = evaluate(n, args.seed, args.explain, without=without, overconfident=args.overconfident)
    print(f"{n} simulated neighbourhoods (seed {args.seed}), {len(rows)} transmitters judged "
          f"in {time.perf_counter() - t0:.1f} s" + (f", without {', '.join(sorted(without))}" if without else "")
          + (f", {100 * args.overconfident:g} % of fixes overconfident" if args.overconfident else "") + "\n")
    report(rows)
    closed = fixes["fixes"] - fixes["open"]
    print(f"\nposition fixes (history arm): {fixes['fixes']}, open {100 * fixes['open'] / max(1, fixes['fixes']):.1f} %; "
          f"truth within the 95 % radius of {100 * fixes['closed_covering'] / max(1, closed):.1f} % of the closed ones")
    return 0


if __name__ == "__main__":
    sys.exit(main())
