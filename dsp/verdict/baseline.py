"""Which of the cells and stations seen in the same scan are the licensed ones (they match the
register), and per-operator baselines learned from them: public tools disagree on thresholds
(CRO "> 0" to "> 40"), so a rule compares a cell with its own operator's licensed cells here."""

from __future__ import annotations

import math
import statistics

from dsp.verdict.context import HeardAs, VerdictContext
from dsp.verdict.geo import distance_m, path_loss_db
from dsp.verdict.fields import bsic_of, field_of, identity_of, rds_pi, same_cell
from dsp.verdict.registers import FmLicence, LicensedCell


#: A licensed FM station is still "for this place" up to this multiple of its service radius
#: (fringe reception is common); beyond it, a carrier on its channel is another transmitter.
REACH_FACTOR = 1.5


def covers(lic: FmLicence, node: tuple[float, float]) -> bool:
    """The licence's service area, widened by REACH_FACTOR, holds ``node``: it is this place's licensee."""
    return distance_m(*node, lic.lat, lic.lon) <= lic.service_radius_m * REACH_FACTOR


def register_entry(cell, ctx: VerdictContext) -> LicensedCell | None:
    """The register row this cell matches in identity and, where the register knows them, ARFCN and BSIC."""
    ident = identity_of(cell)
    if ident is None or ctx.cell_register is None:
        return None
    for entry in ctx.cell_register.lookup(*ident):
        if entry.arfcn is not None and entry.arfcn != field_of(cell, "arfcn"):
            continue
        if entry.bsic is not None and bsic_of(cell) is not None and entry.bsic != bsic_of(cell):
            continue
        return entry
    return None


def licensed_cells(ctx: VerdictContext, exclude=None) -> list:
    """Cells of the scan that match the register (the target itself excluded)."""
    return [c for c in ctx.cells
            if (exclude is None or not same_cell(c, exclude)) and register_entry(c, ctx) is not None]


def operator_peers(cell, ctx: VerdictContext) -> list:
    """Licensed cells of the scan with the same MCC/MNC as ``cell``."""
    ident = identity_of(cell)
    if ident is None:
        return []
    return [c for c in licensed_cells(ctx, exclude=cell) if identity_of(c)[:2] == ident[:2]]


def peer_values(peers: list, name: str) -> list[float]:
    return [float(v) for v in (field_of(p, name) for p in peers) if v is not None]


def median(values: list[float]) -> float:
    return statistics.median(values)


def deviation_from_peers(mine: float, peers: list, value_of, min_peers: int) -> tuple[float, int] | None:
    """``mine`` minus the median of ``value_of(peer)`` over the peers that have a value (an error the
    node shares with every carrier cancels), with how many there were; None under ``min_peers``."""
    ref = [v for v in map(value_of, peers) if v is not None]
    return None if len(ref) < min_peers else (mine - median(ref), len(ref))


def licence_for(station, ctx: VerdictContext, tolerance_hz: float = 25e3) -> FmLicence | None:
    """The licence on this station's channel whose service area holds the node (or, without a node
    position, the one whose PI matches, else the first on the channel)."""
    if ctx.fm_register is None:
        return None
    on_channel = ctx.fm_register.on_channel(field_of(station, "freq_hz"), tolerance_hz)
    if not on_channel:
        return None
    if ctx.node is not None:
        return min(on_channel, key=lambda lic: distance_m(*ctx.node, lic.lat, lic.lon) / lic.service_radius_m)
    pi = rds_pi(station)
    return next((lic for lic in on_channel if pi and lic.pi == pi), on_channel[0])


def station_is_licensed(station, ctx: VerdictContext) -> bool:
    """On a licensed channel for this place, and sending the licensee's PI when both are known."""
    lic = licence_for(station, ctx)
    if lic is None:
        return False
    if ctx.node is not None and not covers(lic, ctx.node):
        return False
    pi = rds_pi(station)
    return lic.pi is None or pi is None or pi == lic.pi


def licensed_stations(ctx: VerdictContext, exclude=None) -> list:
    return [s for s in ctx.stations if s is not exclude and station_is_licensed(s, ctx)]


def _fm_residual(station, lic: FmLicence, ctx: VerdictContext, exponent: float) -> float | None:
    """Received level + predicted loss − licensed ERP: alike for every station that is its licensee."""
    power = field_of(station, "power_dbfs")
    if power is None or lic is None or lic.erp_w <= 0:
        return None
    loss = path_loss_db(distance_m(*ctx.node, lic.lat, lic.lon), lic.freq_hz, exponent)
    return power + loss - 10 * math.log10(lic.erp_w * 1e3)


def fm_level_excess(station, lic: FmLicence, ctx: VerdictContext, exponent: float,
                    min_peers: int) -> tuple[float, int] | None:
    """How many dB ``station`` is received above what licence ``lic`` predicts at the node, after
    calibrating the node's unknown gain on the licensed stations it sees (their residuals' median);
    with the number of calibrators. None without a node position or enough calibrators."""
    if ctx.node is None:
        return None
    mine = _fm_residual(station, lic, ctx, exponent)
    calib = [r for r in (_fm_residual(s, licence_for(s, ctx), ctx, exponent)
                         for s in licensed_stations(ctx, exclude=station)) if r is not None]
    if mine is None or len(calib) < min_peers:
        return None
    return mine - median(calib), len(calib)


#: Licensed stations needed to remove a node's clock from pilot frequencies: a median of two is
#: their mean, and one pirate among the "licensed" drags it.
PILOT_MIN_PEERS = 3


def calibrated_pilot(station, ctx: VerdictContext, min_peers: int = PILOT_MIN_PEERS) -> tuple[float, int] | None:
    """The stereo pilot's frequency − 19 kHz minus the licensed stations' median (the node's sample
    clock shifts every pilot alike), with how many there were; None when not stereo or too few."""
    err = field_of(station, "pilot_freq_error_hz")
    if err is None or not field_of(station, "stereo"):
        return None
    return deviation_from_peers(err, licensed_stations(ctx, exclude=station),
                                lambda s: field_of(s, "pilot_freq_error_hz"), min_peers)


def heard_as_of(station, ctx: VerdictContext) -> HeardAs:
    """What the central station keeps of one FM decode for ``TargetHistory.heard_as``: ``ctx`` is the
    decoding node's (its scan, the registers), so the pilot is stored with that node's clock removed."""
    pilot = calibrated_pilot(station, ctx)
    return HeardAs(pi=rds_pi(station), stereo=field_of(station, "stereo"), snr_db=field_of(station, "snr_db"),
                   pilot_offset_hz=None if pilot is None else pilot[0])
