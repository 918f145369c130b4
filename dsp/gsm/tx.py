"""Reference BCCH-carrier transmitter: TS0 FCCH/SCH/BCCH/CCCH by the 51-multiframe, dummy bursts on
TS1–7, GMSK at any sample rate — 3GPP TS 45.002 §5.2, §6.3, §7 Table 3; TS 45.004.

The carrier is at 0 Hz, unit power, and a pure function of its arguments and absolute time:
sample n of a call is time ``start_s + n / sample_rate``, and time 0 is the start of TS0 of
frame ``fn0``, so consecutive calls join seamlessly. Each timeslot is rendered on its own (148
burst bits, then ones in the 8.25-symbol guard) starting from phase 0, so the waveform is an
absolute function of time (the phase steps fall in guard periods, as a BTS's ramps do). Slot
waveforms are cached by content and by where the sample grid falls in the slot, which repeats
every 13 frames at the usual SDR rates — so a long run costs little more than copying.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from functools import lru_cache

import numpy as np

from dsp.errors import DspError
from dsp.gsm.bursts import FCCH_BURST, dummy_burst, normal_burst, sch_burst
from dsp.gsm.gmsk import SYMBOL_RATE, gmsk_phase
from dsp.gsm.multiframe import BCCH_NORM_SCHEDULE, HYPERFRAME, block_start, channel_at, tc
from dsp.gsm.sch import encode_sch
from dsp.gsm.sysinfo_encode import CellConfig, paging_block, system_information_blocks
from dsp.gsm.xcch import encode_xcch

FRAME_SYMBOLS = 1250
SLOT_SYMBOLS = 156.25
#: Leading ones so a slot's first symbols see the previous guard's bits, trailing ones fill the guard.
_LEAD = 3
_GUARD = 9
#: Paging Request Type 1 addressed to nobody: what an idle CCCH carries (TS 44.018 §9.1.22).
IDLE_PAGING = paging_block()
_CACHE_SLOTS = 4096
#: Slot k starts at phase k·SLOT_TURN (golden angle): a real carrier's phase wanders, so its
#: repeated bursts (dummy bursts on TS1–7) do not add up coherently; a fixed start phase would
#: make the carrier improper (E[x²] ≠ 0), which a receiver takes for IQ imbalance.
SLOT_TURN = 2 * np.pi * 0.6180339887498949
#: The unwinding ramp starts here (symbols into the slot): 148 bits plus 2.5 for the last pulse.
_UNWIND_FROM = 150.5

PageSource = Callable[[int], bytes | None]


def _norm_type(fn: int, si_blocks: Mapping[str, bytes]) -> str | None:
    """The SI type in the BCCH Norm block of ``fn`` (§6.3.1.3 by TC). Where several optional types
    share a TC they take turns, one per 8-multiframe cycle (and TC 5 one step ahead of TC 4), so
    a cell configured with all of them sends each; with none, SI3 is repeated."""
    cands = [name for name in BCCH_NORM_SCHEDULE[tc(fn)] if name in si_blocks]
    if not cands:
        return "SI3" if "SI3" in si_blocks else None
    turn = fn // (51 * 8) + (1 if tc(fn) == 5 else 0)
    return cands[turn % len(cands)]


@lru_cache(maxsize=512)
def _coded_block(block: bytes) -> np.ndarray:
    return encode_xcch(block)


class _SlotCache:
    """Slot waveforms keyed by (bits, where the first sample falls in the slot, length)."""

    def __init__(self) -> None:
        self._d: OrderedDict = OrderedDict()

    def get(self, bits: np.ndarray, tau0: float, n: int, sps: float) -> np.ndarray:
        # 1e-6 symbol (4 ps): coarse enough that the float error of hours of absolute time agrees.
        key = (bits.tobytes(), round(tau0, 6), n)
        hit = self._d.get(key)
        if hit is not None:
            self._d.move_to_end(key)
            return hit
        hit = np.exp(1j * _slot_phase(bits, tau0 + np.arange(n) / sps)).astype(np.complex64)
        self._d[key] = hit
        if len(self._d) > _CACHE_SLOTS:
            self._d.popitem(last=False)
        return hit


_slots = _SlotCache()


def _slot_phase(bits: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """Phase at ``tau`` symbols after the slot start: 0 at the start and ≡ SLOT_TURN (mod 2π) at
    the end, where the next slot, rotated by SLOT_TURN more, takes over.

    The GMSK of the slot's bits starts at 0; what it has gathered by the end is wound to SLOT_TURN
    in the guard period, after the last bit's pulse has settled, by a raised-cosine ramp — so slots
    join without a phase step (a step would splatter a −45 dB floor across the band).
    """
    ext = np.concatenate((np.ones(_LEAD, np.uint8), bits, np.ones(_GUARD, np.uint8)))
    ends = gmsk_phase(ext, np.array([_LEAD, _LEAD + SLOT_SYMBOLS]))
    unwind = np.angle(np.exp(1j * (SLOT_TURN - (ends[1] - ends[0]))))
    r = np.clip((tau - _UNWIND_FROM) / (SLOT_SYMBOLS - _UNWIND_FROM), 0.0, 1.0)
    return gmsk_phase(ext, _LEAD + tau) - ends[0] + unwind * 0.5 * (1 - np.cos(np.pi * r))


def ts0_burst(fn: int, bsic: int, si_blocks: Mapping[str, bytes], pages: PageSource | None = None,
              ccch_conf: int = 0) -> np.ndarray:
    """The 148 bits TS0 of the BCCH carrier sends in frame ``fn``."""
    kind, _ = channel_at(fn, ccch_conf)
    t3 = fn % 51
    if kind == "FCCH":
        return FCCH_BURST
    if kind == "SCH":
        return sch_burst(encode_sch(bsic, fn))
    if kind == "BCCH":
        si = _norm_type(fn, si_blocks)
        block = si_blocks[si] if si is not None else IDLE_PAGING
    elif kind == "CCCH":
        first = fn - (t3 - block_start(t3))
        block = (pages(first) if pages is not None else None) or IDLE_PAGING
    else:
        return dummy_burst()
    return normal_burst(_coded_block(bytes(block))[t3 - block_start(t3)], bsic & 7)


def render_bcch(bsic: int, si_blocks: Mapping[str, bytes], sample_rate: float, start_s: float,
                n_samples: int, *, fn0: int = 0, pages: PageSource | None = None,
                ccch_conf: int = 0) -> np.ndarray:
    """``n_samples`` of the C0 carrier of a cell with ``bsic`` broadcasting ``si_blocks``.

    ``si_blocks`` maps SI type names ("SI1", "SI3", ...) to 23-octet blocks; ``pages(fn)`` gives
    the block for the CCCH block starting at frame ``fn`` (None: idle paging).
    """
    if not sample_rate > 0 or n_samples < 0:
        raise DspError(f"render_bcch: need sample_rate > 0 and n_samples ≥ 0, got {sample_rate}, {n_samples}")
    if not 0 <= bsic < 64:
        raise DspError(f"bsic: expected 0..63, got {bsic}")
    for name, block in si_blocks.items():
        if len(block) != 23:
            raise DspError(f"si_blocks[{name!r}]: expected 23 octets, got {len(block)}")
    sps = sample_rate / SYMBOL_RATE
    out = np.empty(n_samples, dtype=np.complex64)
    tau_first = start_s * SYMBOL_RATE
    slot = int(np.floor(tau_first / SLOT_SYMBOLS))
    pos = 0
    dummy = dummy_burst()
    while pos < n_samples:
        s0 = slot * SLOT_SYMBOLS
        s1 = s0 + SLOT_SYMBOLS
        # Samples whose time falls in [s0, s1): indices relative to this call.
        j0 = int(np.ceil((s0 - tau_first) * sps - 1e-9))
        j1 = int(np.ceil((s1 - tau_first) * sps - 1e-9))
        i0, i1 = max(pos, j0), min(n_samples, j1)
        frame, tn = divmod(slot, 8)
        fn = (fn0 + frame) % HYPERFRAME
        bits = ts0_burst(fn, bsic, si_blocks, pages, ccch_conf) if tn == 0 else dummy
        # Where the slot's first sample falls after the slot start (symbols): the cache key.
        tau0 = tau_first + j0 / sps - s0
        wave = _slots.get(bits, tau0, j1 - j0, sps)
        out[i0:i1] = wave[i0 - j0: i1 - j0] * np.complex64(np.exp(1j * ((slot * SLOT_TURN) % (2 * np.pi))))
        pos = max(pos, i1)
        slot += 1
    return out


@lru_cache(maxsize=64)
def _config_blocks(config: CellConfig) -> dict[str, bytes]:
    return system_information_blocks(config)


def render_bcch_carrier(config: CellConfig, sample_rate: float, start_s: float, n_samples: int, *,
                        fn0: int = 0, pages: PageSource | None = None) -> np.ndarray:
    """``n_samples`` (complex64, unit power, 0 Hz) of the C0 carrier of the cell ``config`` describes:
    its BSIC, every SI type it configures on its TC slots, its CCCH configuration; ``pages(fn)``
    gives the CCCH block starting at frame ``fn`` (None or absent: idle paging).
    """
    if not isinstance(config, CellConfig):
        raise DspError(f"config: expected a CellConfig, got {type(config).__name__}")
    return render_bcch(8 * config.ncc + config.bcc, _config_blocks(config), sample_rate, start_s, n_samples,
                       fn0=fn0, pages=pages, ccch_conf=config.ccch_conf)
