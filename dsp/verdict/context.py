"""What a verdict is judged against: registers, allocations, where the node is, what else it saw,
and what is known of the target's past. Everything is optional; rules lacking a piece abstain."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from dsp.verdict.allocations import Allocations
from dsp.verdict.registers import CellRegister, FmRegister


@dataclass(frozen=True)
class PositionFix:
    """One position estimate of a transmitter (the locator's ``Fix``) and its 95 % region's radius.

    The defaults say "not known", so a fix built from (lat, lon, radius) alone stays valid: rules that
    need to trust the region (``fm.site_mismatch``, ``gsm.site_mismatch``) abstain on it.
    """

    lat: float
    lon: float
    #: Farthest point of the 95 % region from (lat, lon) (``Fix.radius_95_m``); None: unknown.
    radius_95_m: float | None = None
    #: The region runs off the locator's search area (``not Fix.region_bounded``): the transmitter may
    #: be farther, and the radius bounds nothing.
    open: bool = False
    #: Unix seconds at the end of the readings window the fix was computed from; None: unknown.
    time: float | None = None
    #: Distinct receiving places the fix rests on (``Fix.n_sites``); None: unknown.
    n_sites: int | None = None


@dataclass(frozen=True)
class HeardAs:
    """One earlier decode of an FM channel, by this node or another: the traits that tell two
    transmitters on one channel apart whatever node measured them (no level; the pilot with that
    node's clock removed). ``dsp.verdict.heard_as_of`` makes one from a decode and its context."""

    #: RDS PI decoded, None when no RDS decoded.
    pi: str | None
    #: Stereo pilot present.
    stereo: bool | None
    snr_db: float | None
    #: Pilot frequency − 19 kHz minus the median of the licensed stations that node heard in the same
    #: scan (its clock error removed), None when not stereo or not calibrated.
    pilot_offset_hz: float | None = None


@dataclass(frozen=True)
class TargetHistory:
    """Earlier observations of one channel (GSM ARFCN or FM frequency), kept by whoever stores them.

    Times are Unix seconds; positions are the transmitter's position fixes in time order; identities are
    (mcc, mnc, lac, cell_id) seen on the ARFCN; hours are local hours of day (0–23) when the channel
    was heard on air and when a node was listening to it at all; ``heard_as`` the FM channel's
    earlier decodes, by any node.
    """

    first_seen: float | None = None
    #: Since when a node has been listening to this channel (first_seen − watched_since = time heard silent).
    watched_since: float | None = None
    last_seen: float | None = None
    positions: tuple[PositionFix, ...] = ()
    identities: tuple[tuple[str, str, int, int], ...] = ()
    on_air_hours: tuple[int, ...] = ()
    listened_hours: tuple[int, ...] = ()
    #: FM: how the channel was heard by every node over the history (this decode may be among them).
    heard_as: tuple[HeardAs, ...] = ()


@dataclass(frozen=True)
class VerdictContext:
    cell_register: CellRegister | None = None
    fm_register: FmRegister | None = None
    allocations: Allocations | None = None
    #: The country the node stands in (its MCC), e.g. "460".
    country_mcc: str | None = None
    #: Node position (lat, lon), WGS84 degrees.
    node: tuple[float, float] | None = None
    #: Every cell / station / spurious emission seen in the same scan by the same node (target included).
    cells: tuple = ()
    stations: tuple = ()
    spurious: tuple = ()
    #: True when the aviation band was searched for spurious emissions (so "none" means none).
    spurious_searched: bool = False
    #: How long the node listened (s): rules that count absent traffic need it.
    observed_s: float | None = None
    #: History per channel: ``("gsm", arfcn)`` or ``("fm", round(freq_hz / 1e3))`` → TargetHistory.
    history: Mapping[tuple, TargetHistory] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "history", MappingProxyType(dict(self.history)))
        object.__setattr__(self, "cells", tuple(self.cells))
        object.__setattr__(self, "stations", tuple(self.stations))
        object.__setattr__(self, "spurious", tuple(self.spurious))


def history_key_gsm(arfcn: int) -> tuple[str, int]:
    return "gsm", int(arfcn)


def history_key_fm(freq_hz: float) -> tuple[str, int]:
    return "fm", int(round(freq_hz / 1e3))
