"""Capture → every GSM BCCH carrier in it, synchronised and its TS0 blocks decoded (3GPP TS 45.002 §6–§7).

Two streamed passes over the capture, so a long recording is never held whole:

1. the wideband FCCH search (:mod:`dsp.gsm.fcch`) lists the carriers, wherever they sit;
2. one channeliser follows all of them at 4 samples/symbol; per carrier, the FCCH gives the fine
   frequency and where the SCH is, the SCH gives BSIC, frame number and frame timing; then every
   TS0 frame is handled by its place in the 51-multiframe: FCCH refreshes the frequency, SCH the
   timing (so a sample clock off by ppm is followed), and the four bursts of each data block are
   equalised and decoded.

A carrier is reported when its identity is confirmed: two SCH decodes whose frame numbers agree
with the frame timing, or one SCH and a block passing its Fire code. One SCH alone (10 parity bits) is not
enough, nor an FCCH, which any steady tone mimics for a moment. Nor is a copy of a stronger carrier
(a clipping product: same BSIC and frame clock, off the raster or far weaker; :mod:`dsp.gsm.images`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from dsp.bands import downlink_hz_to_arfcn
from dsp.errors import DspError
from dsp.gsm.bursts import TRAINING_SEQUENCES, dummy_burst, split_normal
from dsp.gsm.cell import GsmCell, fingerprint
from dsp.gsm.channelize import Channelizer, correct_front_end
from dsp.gsm.equalizer import BURST_BITS, N_TAPS, PRE_TAPS, equalise, training_fit
from dsp.gsm.fcch import FcchCarrier, fcch_hits, group_carriers, n_frames
from dsp.gsm.images import drop_images
from dsp.gsm.gmsk import SYMBOL_RATE
from dsp.gsm.multiframe import FCCH_FRAMES, HYPERFRAME, IDLE_FRAME, SCH_FRAMES, block_start
from dsp.gsm.sch import SchInfo
from dsp.gsm.sync import FRAME_SYMBOLS, fcch_fix, sch_fix
from dsp.gsm.xcch import XcchResult, decode_xcch

SPS = 4
FRAME = FRAME_SYMBOLS * SPS
#: Below this a 200 kHz GSM channel (main lobe ±~120 kHz) cannot be held.
MIN_SAMPLE_RATE = 250e3
#: Timing search (symbols) on the first SCH after an FCCH, and on every burst once locked.
ACQUIRE_SEARCH = 6
TRACK_SEARCH = 2
#: Consecutive SCH failures after which a carrier is considered lost and re-acquired.
MAX_SCH_MISSES = 6
NORMAL_TRAINING_START = 61
#: Input samples channelised at a time (bounds memory whatever the source's block size).
CHANNEL_CHUNK = 1 << 18
#: A burst is the dummy burst (45.002 §5.2.6) when its mid-amble fits the dummy's bits with this
#: fraction of the TSC fit's relative residual, or less.
DUMMY_FIT_RATIO = 0.25
DUMMY_CHECK_BELOW_DB = 10.0
_DUMMY_MID = dummy_burst()[NORMAL_TRAINING_START: NORMAL_TRAINING_START + 26]
#: Bursts over which the noise variance that scales the soft bits is taken (a median).
NOISE_HISTORY = 32
#: FCCH quality (≈ S/(S+N)) needed to refresh the frequency while tracking.
TRACK_QUALITY = 0.6


@dataclass(frozen=True)
class CarrierDecode:
    """What the physical layer found on one carrier; ``blocks`` are (FN of first burst, result);
    ``frame_clock`` is (FN, time in s of the burst's first symbol) of every SCH decoded."""

    arfcn: int | None
    freq_hz: float
    freq_offset_hz: float
    sch: SchInfo
    n_sch: int
    blocks: tuple[tuple[int, XcchResult], ...]
    power_dbfs: float
    snr_db: float
    first_seen_s: float
    last_seen_s: float
    frame_clock: tuple[tuple[int, float], ...] = ()


#: Called with no argument, yields the capture's complex64 blocks in order (called once per pass).
BlockSource = Callable[[], Iterable[np.ndarray]]
#: ``on_block(arfcn, fn, result)``: every decoded block as it comes (arfcn None when off-band).
BlockCallback = Callable[[int | None, int, XcchResult], None]


def find_carriers(blocks: Iterable[np.ndarray], sample_rate: float) -> list[FcchCarrier]:
    """Pass 1: every FCCH carrier in the streamed capture (offsets from its centre, Hz)."""
    _check_rate(sample_rate)
    hits = []
    frames = 0
    t = 0.0
    tail = np.zeros(0, np.complex64)
    for x in blocks:
        # Keep a frame's worth of overlap so a burst across two blocks is seen whole.
        seg = np.concatenate((tail, correct_front_end(x)))
        t_seg = t - tail.size / sample_rate
        hits += fcch_hits(seg, sample_rate, t_seg)
        frames += n_frames(seg.size, sample_rate)
        keep = min(seg.size, int(2e-3 * sample_rate))
        tail = seg[seg.size - keep:]
        t += x.size / sample_rate
    edge = sample_rate / 2 - 20e3
    return [c for c in group_carriers(hits, frames, capture_s=t) if abs(c.carrier_hz) < edge]


def receive(source: BlockSource, sample_rate: float, center_freq: float,
            on_block: BlockCallback | None = None) -> list[CarrierDecode]:
    """Every confirmed GSM carrier of the capture ``source()`` yields, sorted by frequency.

    ``center_freq`` (Hz) maps carriers to ARFCNs; ``on_block`` sees each block as it is decoded.
    """
    carriers = find_carriers(source(), sample_rate)
    if not carriers:
        return []
    offsets = [c.carrier_hz for c in carriers]
    chan = Channelizer(sample_rate, offsets, SPS)
    # The channeliser leaves each carrier at its residual (under half an FFT bin): the trackers'
    # frequency correction starts there.
    trackers = [_Tracker(c, center_freq, on_block, float(r)) for c, r in zip(carriers, chan.residual_hz)]
    for x in source():
        x = correct_front_end(x)
        # Channel outputs for a whole large block of many carriers would be hundreds of MB.
        for i in range(0, x.size, CHANNEL_CHUNK):
            y = chan.process(x[i:i + CHANNEL_CHUNK])
            for tr, yc in zip(trackers, y):
                tr.feed(yc)
    y = chan.process(np.zeros(0, np.complex64), final=True)
    for tr, yc in zip(trackers, y):
        tr.feed(yc)
    found = [d for d in (tr.result() for tr in trackers) if d is not None]
    # The same cell found twice (e.g. two tone groups of one carrier): keep the better.
    best: dict[tuple, CarrierDecode] = {}
    for d in found:
        key = (d.freq_hz, d.sch.bsic)
        if key not in best or _score(d) > _score(best[key]):
            best[key] = d
    return sorted(drop_images(list(best.values())), key=lambda d: d.freq_hz)


def decode_cells(source: BlockSource, sample_rate: float, center_freq: float,
                 on_block: BlockCallback | None = None) -> tuple[list[GsmCell], list[CarrierDecode]]:
    """Every confirmed carrier fingerprinted as a :class:`GsmCell`, and apart from them the carriers
    that map to no GSM ARFCN (most likely a wrong centre frequency: they cannot be named)."""
    cells, off_band = [], []
    for d in receive(source, sample_rate, center_freq, on_block):
        if d.arfcn is None:
            off_band.append(d)
            continue
        cells.append(fingerprint(d.arfcn, d.freq_hz, d.sch.bsic, d.blocks, d.power_dbfs, d.snr_db,
                                 d.freq_offset_hz, d.first_seen_s, d.last_seen_s))
    return cells, off_band


def _score(d: CarrierDecode) -> tuple[int, int]:
    return sum(1 for _, r in d.blocks if r.ok), d.n_sch


def _check_rate(sample_rate: float) -> None:
    if not sample_rate >= MIN_SAMPLE_RATE:
        raise DspError(f"sample rate {sample_rate:g} Hz is too low to hold a GSM channel "
                       f"(need ≥ {MIN_SAMPLE_RATE:g} Hz)")


def _rotate(y: np.ndarray, first: int, hz: float) -> np.ndarray:
    """y · e^{−j2π·hz·t}, t the absolute channel time of each sample (phase continuous across calls)."""
    if hz == 0.0 or y.size == 0:
        return y
    start = np.exp(-2j * np.pi * np.mod(hz * first / (SPS * SYMBOL_RATE), 1.0))
    return y * (_ramp(hz, y.size) * np.complex64(start))


def _power(y: np.ndarray) -> float:
    return float(np.vdot(y, y).real / max(y.size, 1))


@lru_cache(maxsize=8)
def _ramp(hz: float, n: int) -> np.ndarray:
    return np.exp(-2j * np.pi * hz * np.arange(n) / (SPS * SYMBOL_RATE)).astype(np.complex64)


@dataclass
class _Tracker:
    """Per-carrier state: the channel buffer, what is known of frequency and frame timing."""

    carrier: FcchCarrier
    center_freq: float
    on_block: BlockCallback | None
    residual_hz: float
    freq_corr: float = 0.0
    buf: np.ndarray = field(default_factory=lambda: np.zeros(0, np.complex64))
    buf_start: int = 0
    total: int = 0
    hit_index: int = 0
    sch: SchInfo | None = None
    first_sch: SchInfo | None = None
    ref_fn: int = 0
    ref_start: int = 0
    next_fn: int = 0
    misses: int = 0
    n_sch: int = 0
    clock: list = field(default_factory=list)
    pending: dict = field(default_factory=dict)
    blocks: list = field(default_factory=list)
    power: list = field(default_factory=list)
    snr: list = field(default_factory=list)
    noise: list = field(default_factory=list)
    first_s: float | None = None
    last_s: float | None = None

    def __post_init__(self) -> None:
        self.freq_corr = self.residual_hz
        nominal = round((self.center_freq + self.carrier.carrier_hz) / 200e3) * 200e3
        self.nominal_hz = float(nominal)
        hit = downlink_hz_to_arfcn(self.nominal_hz, tolerance_hz=1.0)
        self.arfcn = None if hit is None else hit[0]

    # ------------------------------------------------------------------ stream

    def feed(self, y: np.ndarray) -> None:
        self.buf = np.concatenate((self.buf, y))
        self.total += y.size
        if self.sch is None:
            self._acquire()
        if self.sch is not None:
            self._track()

    def _window(self, lo: int, hi: int) -> np.ndarray:
        """Samples lo..hi, frequency-corrected with the current estimate (the buffer is kept raw so
        a new estimate applies to everything not yet processed)."""
        return _rotate(self.buf[lo - self.buf_start: hi - self.buf_start], lo, self.freq_corr)

    def _drop_before(self, index: int) -> None:
        cut = min(max(0, index - self.buf_start), self.buf.size)
        self.buf = self.buf[cut:]
        self.buf_start += cut

    # ------------------------------------------------------------- acquisition

    def _acquire(self) -> None:
        rate = SPS * SYMBOL_RATE
        hits = self.carrier.hits
        while self.hit_index < len(hits):
            centre = int(round(hits[self.hit_index].time_s * rate))
            lo = max(centre - 3 * FRAME // 10, 0)
            fcch_hi = centre + 3 * FRAME // 10
            sch_hi = fcch_hi + FRAME + (ACQUIRE_SEARCH + BURST_BITS + N_TAPS) * SPS
            if sch_hi > self.total:
                self._drop_before(lo)  # wait for more samples, keeping only what this hit needs
                return
            self.hit_index += 1
            fix = fcch_fix(self._window(lo, fcch_hi), SPS) if lo >= self.buf_start else None
            if fix is None:
                continue
            before = self.freq_corr
            self.freq_corr += fix.freq_offset_hz
            t0 = lo + int(round(fix.start)) + FRAME
            seg_lo = t0 - (ACQUIRE_SEARCH + PRE_TAPS) * SPS
            got = sch_fix(self._window(seg_lo, sch_hi), SPS, t0 - seg_lo, ACQUIRE_SEARCH)
            if got is None:
                self.freq_corr = before  # that tone was not this carrier's FCCH
                continue
            self._locked(got.info, seg_lo + got.start)
            self.next_fn += 1
            self.first_sch = self.first_sch or got.info
            return
        # Nothing to wait for: keep only what a later hit could need.
        self._drop_before(self.total - 2 * FRAME)

    def _locked(self, info: SchInfo, start: int) -> None:
        """A good SCH: it becomes the frame-timing reference (the frame after it comes next)."""
        self.sch = info
        self.ref_fn = info.fn
        self.ref_start = start
        self.next_fn = info.fn
        self.misses = 0
        self.n_sch += 1
        self.clock.append((info.fn, start / (SPS * SYMBOL_RATE)))
        self._seen(start)

    def _seen(self, sample: int) -> None:
        t = sample / (SPS * SYMBOL_RATE)
        self.first_s = t if self.first_s is None else min(self.first_s, t)
        self.last_s = t if self.last_s is None else max(self.last_s, t)

    # ----------------------------------------------------------------- tracking

    def _track(self) -> None:
        margin = (TRACK_SEARCH + PRE_TAPS) * SPS
        tail = (TRACK_SEARCH + BURST_BITS + N_TAPS) * SPS
        while self.sch is not None:
            t0 = self.ref_start + (self.next_fn - self.ref_fn) * FRAME
            if t0 + tail > self.total:
                break
            if t0 - margin >= self.buf_start:
                seg = self._window(t0 - margin, t0 + tail)
                self._frame(self.next_fn % HYPERFRAME, seg, margin, t0)
            self.next_fn += 1
            self._drop_before(self.ref_start + (self.next_fn - self.ref_fn) * FRAME - margin)

    def _frame(self, fn: int, seg: np.ndarray, t0: int, abs_t0: int) -> None:
        t3 = fn % 51
        if t3 in FCCH_FRAMES:
            fix = fcch_fix(seg, SPS)
            if fix is not None and fix.quality > TRACK_QUALITY:
                # Half-steps: a noisy estimate must not throw the tracking off.
                self.freq_corr += 0.5 * fix.freq_offset_hz
            return
        if t3 in SCH_FRAMES:
            got = sch_fix(seg, SPS, t0, TRACK_SEARCH)
            if got is not None and got.info.fn == fn and got.info.bsic == self.sch.bsic:
                self._locked(got.info, abs_t0 + (got.start - t0))
                self.power.append(_power(seg))
            else:
                self.misses += 1
                if self.misses >= MAX_SCH_MISSES:
                    self.sch = None  # lost: back to the FCCH hits still ahead
            return
        if t3 == IDLE_FRAME:
            return
        self.power.append(_power(seg))
        burst = equalise(seg, SPS, TRAINING_SEQUENCES[self.sch.bcc], NORMAL_TRAINING_START, t0,
                         TRACK_SEARCH)
        # An idle channel (SDCCH/4 of a combined TS0, a BTS with nothing to send) carries dummy
        # bursts: their bits where the training sequence would be fit far better than the TSC
        # (which fits a dummy burst too badly to pass for a clean normal burst).
        if burst.snr_db < DUMMY_CHECK_BELOW_DB:
            _, noise_dummy, power_dummy, _ = training_fit(seg, SPS, _DUMMY_MID, NORMAL_TRAINING_START, t0,
                                                          TRACK_SEARCH)
            if noise_dummy / power_dummy < DUMMY_FIT_RATIO * burst.noise_var / burst.signal_power:
                return
        self.snr.append(burst.snr_db)
        # The soft bits were scaled by this burst's noise estimate (17 degrees of freedom: ±50 %);
        # the noise itself does not change from burst to burst, so rescale to the carrier's
        # recent median, or a block's four bursts are weighted by chance.
        self.noise.append(burst.noise_var)
        del self.noise[:-NOISE_HISTORY]
        first = block_start(t3)
        key = fn - (t3 - first)
        data, _ = split_normal(burst.soft * np.float32(burst.noise_var / np.median(self.noise)))
        self.pending.setdefault(key, {})[t3 - first] = data
        if t3 - first == 3:
            parts = self.pending.pop(key)
            self.pending.clear()
            if len(parts) == 4:
                res = decode_xcch(np.stack([parts[i] for i in range(4)]))
                self.blocks.append((key % HYPERFRAME, res))
                if res.ok:
                    self._seen(abs_t0)
                if self.on_block is not None:
                    self.on_block(self.arfcn, key % HYPERFRAME, res)

    def result(self) -> CarrierDecode | None:
        info = self.first_sch
        if info is None or (self.n_sch < 2 and not any(r.ok for _, r in self.blocks)):
            return None
        rel = self.nominal_hz - self.center_freq
        return CarrierDecode(
            arfcn=self.arfcn,
            freq_hz=self.nominal_hz,
            freq_offset_hz=float(self.carrier.carrier_hz - self.residual_hz + self.freq_corr - rel),
            sch=info,
            n_sch=self.n_sch,
            blocks=tuple(self.blocks),
            power_dbfs=float(10 * np.log10(max(np.mean(self.power), 1e-30))) if self.power else float("nan"),
            snr_db=float(np.median(self.snr)) if self.snr else float("nan"),
            first_seen_s=float(self.first_s or 0.0),
            last_seen_s=float(self.last_s or 0.0),
            frame_clock=tuple(self.clock),
        )


def stream(x: np.ndarray, block: int = 1 << 20) -> BlockSource:
    """A :data:`BlockSource` over an in-memory capture."""
    def gen() -> Iterator[np.ndarray]:
        for i in range(0, x.size, block):
            yield x[i:i + block]
    return gen
