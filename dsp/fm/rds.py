"""IEC 62106 (RDS): the public entry — waveform for the FM transmitter, decoding of MPX and of groups.

Stages, each usable alone: :mod:`rds_code` (block code), :mod:`rds_groups` (group layout),
:mod:`rds_modem` (subcarrier waveform), :mod:`rds_demod` (soft bits from MPX), :mod:`rds_sync`
(block sync, correction), :mod:`rds_fold` (PI from block A averaged over groups, when no block
is clean enough), :mod:`rds_station` (fields accepted on agreement).
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Sequence

import numpy as np

from dsp.errors import DspError
from dsp.fm.rds_demod import coherent_symbols, soft_bits
from dsp.fm.rds_fold import fold_pi
from dsp.fm.rds_groups import RdsGroup, station_cycle
from dsp.fm.rds_modem import SUBCARRIER_HZ, check_rate, group_bits, modulate
from dsp.fm.rds_station import RdsResult, accumulate
from dsp.fm.rds_sync import synchronise

__all__ = ["RdsGroup", "RdsResult", "decode_groups", "decode_mpx", "encode_station", "rds_waveform"]

#: Largest pilot frequency error accepted for locking the subcarrier search to 3 x pilot.
_PILOT_TOLERANCE_HZ = 20.0


def rds_waveform(groups: Sequence[RdsGroup | Sequence[int]], sample_rate: float, n_samples: int,
                 start_s: float = 0.0, pilot_phase: float | None = None) -> np.ndarray:
    """Unit-peak RDS component of an MPX signal (float32), the groups repeated cyclically.

    Sample n is at time ``start_s + n / sample_rate`` from the start of the first group, so
    consecutive calls with matching ``start_s`` join seamlessly. With ``pilot_phase`` (the pilot
    being cos(2π·19 kHz·t + pilot_phase)) the subcarrier is cos(2π·57 kHz·t + 3·pilot_phase);
    without, it is cos(2π·57 kHz·t). Scale by the wanted injection (e.g. 2 kHz of deviation).
    """
    fs = check_rate(sample_rate)
    if len(groups) == 0:
        raise DspError("groups: expected at least one RDS group")
    if int(n_samples) != n_samples or n_samples < 0:
        raise DspError(f"n_samples: expected a non-negative integer, got {n_samples}")
    if not np.isfinite(start_s):
        raise DspError(f"start_s: expected a finite time, got {start_s}")
    return modulate(group_bits(groups), fs, int(n_samples), float(start_s), pilot_phase)


def encode_station(pi: int, ps: str, pty: int = 0, rt: str | None = None, tp: bool = False,
                   ta: bool = False, ms: bool = True, af: Iterable[float] = (),
                   ct: dt.datetime | None = None, di: int = 1, ecc: int | None = None) -> list[RdsGroup]:
    """A group cycle carrying these fields: 0A and 2A alternating (0A alone without RT); a 4A
    (``ct``, timezone-aware) and a 1A (``ecc``) lead the cycle. ``di`` bits: d0 stereo, d1
    artificial head, d2 compressed, d3 dynamic PTY; ``af`` in Hz."""
    return station_cycle(pi, ps, pty, rt, tp, ta, ms, tuple(af), ct, di, ecc)


def decode_mpx(mpx: np.ndarray, sample_rate: float, pilot_hz: float | None = None) -> RdsResult | None:
    """RDS of one station's MPX (real, float), or None when no PI reached agreement.

    The PI comes from three error-free A blocks (each in a group whose block B decoded too) or,
    on a weaker signal, from block A averaged
    over all groups (:func:`dsp.fm.rds_fold.fold_pi`); the other fields then come from whatever
    blocks decode at the group places that fixes.

    ``pilot_hz``: the measured 19 kHz pilot frequency, when there is one; the subcarrier is then
    sought at exactly three times it.
    """
    fs = check_rate(sample_rate)
    x = np.asarray(mpx)
    if x.ndim != 1 or not np.issubdtype(x.dtype, np.floating):
        raise DspError(f"mpx: expected a 1-D real float array, got {x.dtype} with shape {x.shape}")
    carrier = SUBCARRIER_HZ
    if pilot_hz is not None:
        if not abs(pilot_hz - SUBCARRIER_HZ / 3) <= _PILOT_TOLERANCE_HZ:
            raise DspError(f"pilot_hz: expected 19000 ± {_PILOT_TOLERANCE_HZ:.0f} Hz, got {pilot_hz}")
        carrier = 3.0 * pilot_hz
    if not np.all(np.isfinite(x)):
        raise DspError("mpx: contains NaN or infinite samples")
    if not np.any(x):
        return None
    symbols = coherent_symbols(x.astype(np.float32, copy=False), fs, carrier)
    soft = soft_bits(symbols)
    stats = synchronise(soft)
    result = accumulate(((g.blocks, g.corrected) for g in stats.groups),
                        blocks_total=stats.blocks_total, blocks_failed=stats.blocks_failed, votes_need_b=True)
    if result is not None:
        return result
    # Too weak for three error-free A blocks: average block A over all groups instead.
    folded = fold_pi(symbols)
    if folded is None:
        return None
    pi, start = folded
    stats = synchronise(soft, start_bit=start)
    return accumulate(((g.blocks, g.corrected) for g in stats.groups), stats.blocks_total,
                      stats.blocks_failed, pi=pi)


def decode_groups(blocks: Iterable[Sequence[int | None]]) -> RdsResult | None:
    """RDS of groups already framed by a receiver (e.g. a log): 4 block words each, None = lost.
    The blocks are taken as error-free; a PI still needs repeated agreement."""
    rows = []
    for i, g in enumerate(blocks):
        if len(g) != 4 or any(v is not None and not 0 <= v <= 0xFFFF for v in g):
            raise DspError(f"blocks[{i}]: expected 4 16-bit words or None, got {g!r}")
        rows.append((tuple(g), (0, 0, 0, 0)))
    return accumulate(rows)
