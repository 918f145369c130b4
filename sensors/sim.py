"""The simulated source: the IQ a scenario's node receives at its position and time on a tuned hop.

Per read, for every emitter on air whose emission falls inside the hop: its real waveform from the
dsp transmitters (GSM BCCH carrier, FM station, an FM station's spurious emission), scaled by
log-distance path loss (locator.pathloss) with spatially correlated shadowing (locator.simulate,
one frozen field per emitter, so the same place always sees the same shadowing; a moving emitter's
field is over both ends of the link, Gudmundson's decorrelation at each), the node's
antenna gain, shifted by the node's LO error (ppm); plus thermal noise kTB·NF over the sample
rate. Waveforms are rendered at 480 kHz and moved to their frequencies and the capture rate all
at once (sensors.synth): the cost per emitter is that of its low-rate waveform. Powers become dBFS through the tuner gain (AGC or manual) and the node's full-scale input,
then the RTL-SDR front end: IQ gain/phase imbalance, the LO leakage spike at 0 Hz, 8-bit ADC
quantisation with clipping.
"""

from __future__ import annotations

import logging
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial

import numpy as np

from locator.geodesy import LocalFrame
from locator.pathloss import mean_power
from locator.simulate import shadowing_field
from sensors.errors import SourceError
from sensors.rtlsdr import R820T_GAINS_DB, TUNERS
from sensors.scenario import FmEmitter, GsmEmitter, Node, Scenario, load_scenario
from sensors.source import Source, check_read_count
from sensors.synth import Part, Upsampler
from sensors.wire import Position

log = logging.getLogger(__name__)

BOLTZMANN_DBM_HZ = -174.0
_C = 299_792_458.0
#: Emissions this close to the capture's edge are left out (the RTL2832U's decimation filter).
EDGE_HZ = 100e3
#: Where the simulated AGC puts the total input power.
AGC_TARGET_DBFS = -18.0
#: Emitters are evaluated at the node's position in the middle of each read.
GSM_BW_HZ, FM_BW_HZ, SPUR_BW_HZ = 200e3, 200e3, 25e3
#: Every emission is rendered at this rate (it holds a broadcast FM channel and a GSM carrier with
#: their sidebands) and upsampled to the capture rate with the others (sensors.synth).
LOW_RATE = 480e3


@dataclass(frozen=True)
class Emission:
    """One thing on the air: where, how strong, how wide, and its unit-power waveform at 0 Hz."""

    key: str
    freq_hz: float
    bw_hz: float
    eirp_dbm: float
    exponent: float
    shadow_seed: int
    position: Callable[[float], tuple[float, float]]
    on_air: Callable[[float], bool]
    render: Callable[[float, float, int], np.ndarray]  # (sample_rate, start_s, n) → complex64
    emitter: GsmEmitter | FmEmitter


# ------------------------------------------------------------------------------------ waveforms


def _gsm_render(cell: GsmEmitter) -> Callable[[float, float, int], np.ndarray]:
    """The GSM team's BCCH carrier for this cell's parameters (see dsp.gsm.tx)."""
    from dsp.gsm.tx import render_bcch_carrier

    config = _cell_config(cell)
    # Cells are not frame-synchronised: each starts its hyperframe count and its frame timing apart.
    fn0 = (cell.seed * 7919) % 2_715_648
    offset_s = (cell.seed * 0.000731) % (120e-3 / 26)
    return lambda fs, t, n: render_bcch_carrier(config, fs, t + offset_s, n, fn0=fn0)


def _cell_config(cell: GsmEmitter):
    """The scenario's cell in the GSM team's CellConfig, whose fields are the coded air-interface
    values (TS 45.008 §9: CRO in 2 dB steps, TEMPORARY_OFFSET in 10 dB, PENALTY_TIME in 20 s)."""
    from dsp.gsm.sysinfo_encode import CellConfig

    return CellConfig(
        mcc=cell.mcc, mnc=cell.mnc, lac=cell.lac, cell_id=cell.cell_id, arfcn=cell.arfcn,
        ncc=cell.ncc, bcc=cell.bcc, cell_arfcns=(cell.arfcn,), neighbours=cell.neighbours,
        cro=None if cell.cro_db is None else cell.cro_db // 2,
        temporary_offset=cell.temporary_offset_db // 10, penalty_time=cell.penalty_time_s // 20 - 1,
        t3212=cell.t3212_decihours, cell_barred=cell.cell_barred, rxlev_access_min=cell.rxlev_access_min)


def _fm_config(st: FmEmitter, spurious: bool):
    from dsp.fm.rds_groups import station_cycle
    from dsp.fm.tx import FmStationConfig, Programme, SpuriousEmission

    groups = tuple(station_cycle(int(st.pi, 16), st.ps or "", st.pty, st.rt)) if st.pi else ()
    spur = (SpuriousEmission(offset_hz=st.spurious_hz - st.freq_hz, level_db=0.0)
            if spurious and st.spurious_hz else None)
    return FmStationConfig(programme=Programme(st.programme, seed=st.seed), stereo=st.stereo,
                           deviation_hz=st.deviation_hz, rds_groups=groups, spurious=spur, seed=st.seed)


def _fm_render(st: FmEmitter) -> Callable[[float, float, int], np.ndarray]:
    from dsp.fm.tx import render_fm_station

    config = _fm_config(st, spurious=False)
    return lambda fs, t, n: render_fm_station(config, fs, t, n)


def _spur_render(st: FmEmitter) -> Callable[[float, float, int], np.ndarray]:
    """The spurious emission alone at 0 Hz, unit carrier amplitude (the scenario's ``spurious_dbc``
    is the emission's EIRP)."""
    from dsp.fm.tx import render_spurious

    config = _fm_config(st, spurious=True)
    return lambda fs, t, n: render_spurious(config, fs, t, n)


def emissions(scenario: Scenario) -> list[Emission]:
    """Every emission of the scenario (an FM station with a spur contributes two)."""
    prop = scenario.propagation
    out: list[Emission] = []
    for c in scenario.cells:
        out.append(Emission(c.id, c.freq_hz, GSM_BW_HZ, c.eirp_dbm, prop.exponent_gsm, c.seed,
                            c.position, c.on_air, _lazy(_gsm_render, c), c))
    for s in scenario.fm:
        pos = (lambda s: lambda t: (s.lat, s.lon))(s)
        out.append(Emission(s.id, s.freq_hz, FM_BW_HZ, s.eirp_dbm, prop.exponent_fm, s.seed, pos, s.on_air,
                            _lazy(_fm_render, s), s))
        if s.spurious_hz:
            out.append(Emission(f"{s.id}/spur", s.spurious_hz, SPUR_BW_HZ, s.eirp_dbm + s.spurious_dbc,
                                prop.exponent_fm, s.seed, pos, s.on_air, _lazy(_spur_render, s), s))
    return out


def _lazy(factory, emitter):
    """Build the renderer on first use (imports the transmitter only when its band is tuned)."""
    cache: list = []

    def render(fs: float, t: float, n: int) -> np.ndarray:
        if not cache:
            cache.append(factory(emitter))
        return cache[0](fs, t, n)

    return render


def _at_rate(render: Callable[[float, float, int], np.ndarray], rate: float, m0: int, n: int) -> np.ndarray:
    return render(rate, m0 / rate, n)


def _upsampler(sample_rate: float) -> Upsampler:
    """Emissions are rendered at :data:`LOW_RATE` and upsampled together; a capture rate that is
    no simple multiple of it renders them at its own rate (the spectrum shift still applies)."""
    try:
        return Upsampler(sample_rate, LOW_RATE)
    except SourceError:
        return Upsampler(sample_rate, sample_rate)


# ---------------------------------------------------------------------------------- propagation


@lru_cache(maxsize=8)
def _frame(lat: float, lon: float) -> LocalFrame:
    return LocalFrame(lat, lon)


class Channel:
    """Received power (dBm, at the antenna connector) of each emission at a node position."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        lat0 = float(np.mean([n.lat for n in scenario.nodes]))
        lon0 = float(np.mean([n.lon for n in scenario.nodes]))
        self.frame = _frame(round(lat0, 4), round(lon0, 4))
        self._seen: dict[tuple, float] = {}

    def rx_dbm(self, e: Emission, node: Node, lat: float, lon: float, t: float) -> float:
        elat, elon = e.position(t)
        key = (e.key, elat, elon, lat, lon)
        # A fixed node hears a fixed emitter at one power: every read asks again.
        if key not in self._seen:
            if len(self._seen) > 100_000:
                self._seen.clear()
            self._seen[key] = self._mean_and_shadow(e, elat, elon, lat, lon)
        return self._seen[key] + node.antenna_gain_dbi

    def _mean_and_shadow(self, e: Emission, elat: float, elon: float, lat: float, lon: float) -> float:
        ex, ey = self.frame.to_xy(elat, elon)
        nx, ny = self.frame.to_xy(lat, lon)
        p0 = e.eirp_dbm - 20 * math.log10(4 * math.pi * e.freq_hz / _C)  # power at 1 m, free space
        mean = float(mean_power(p0, e.exponent, np.asarray(nx - ex), np.asarray(ny - ey)))
        prop = self.scenario.propagation
        # The field is a function of place: the same generator seed gives the same field every call.
        rng = np.random.default_rng([self.scenario.seed, e.shadow_seed])
        if _moves(e):
            return mean + link_shadowing(rng, (ex, ey), (nx, ny), prop.shadowing_db, prop.decorrelation_m)
        shadow = float(shadowing_field(rng, np.atleast_1d(nx), np.atleast_1d(ny), prop.shadowing_db,
                                       prop.decorrelation_m)[0])
        return mean + shadow


def _moves(e: Emission) -> bool:
    return getattr(e.emitter, "path", None) is not None


def link_shadowing(rng: np.random.Generator, tx: tuple[float, float], rx: tuple[float, float], sd_db: float,
                   decorrelation_m: float, n_features: int = 2000) -> float:
    """One draw of a zero-mean Gaussian field over links with covariance
    sd²·exp(−|Δtx|/d_c)·exp(−|Δrx|/d_c), at the link ``tx`` → ``rx`` (local metres).

    Shadowing decorrelates when either end moves by d_c (Gudmundson at both ends). With ``tx``
    held still it is the one-end field of locator.simulate.shadowing_field (same law, same
    random-feature construction: Cauchy frequencies, here one per end), so a parked emitter's
    statistics over receiver places are those of a fixed one. A sum of a field over each end,
    (F(rx) + G(tx))/√2, would leave half the variance fixed for a fixed receiver over the
    whole drive.
    """
    # Per end: k = z / (d_c·|w|), z ~ N(0, I2), w ~ N(0, 1) has characteristic function exp(−|Δ|/d_c);
    # independent ends multiply.
    k = rng.standard_normal((n_features, 4)) / (decorrelation_m * np.abs(rng.standard_normal((n_features, 2)))
                                                ).repeat(2, axis=1)
    phase = rng.uniform(0.0, 2.0 * np.pi, n_features)
    arg = k @ np.array([tx[0], tx[1], rx[0], rx[1]]) + phase
    return float(sd_db * math.sqrt(2.0 / n_features) * np.cos(arg).sum())


# ---------------------------------------------------------------------------------------- source


@dataclass(frozen=True)
class HeardEmission:
    """Ground truth for tests and the demo: what a node should hear on a hop."""

    key: str
    freq_hz: float
    rx_dbm: float
    snr_db: float  # over the emission's bandwidth
    emitter: GsmEmitter | FmEmitter


class SimSource(Source):
    """A scenario node as an IQ source. Time starts at ``t0_s`` after the scenario start and
    advances with every sample read (and ``retune_s`` per tune), not with the wall clock."""

    def __init__(self, scenario: Scenario, node_id: str | None = None, *, sample_rate: float = 2.4e6,
                 t0_s: float = 0.0, retune_s: float = 0.01, tuner: str = "R820T"):
        self.scenario = scenario
        self.node = scenario.node(node_id)
        self.name = f"sim:{scenario.path.name}:{self.node.id}"
        self.tuner = tuner
        self.max_freq_hz = next(f for name, f in TUNERS.values() if name == tuner)
        if not sample_rate > 2 * EDGE_HZ:
            raise SourceError(f"{self.name}: sample rate {sample_rate} Hz is too low")
        self._rate = float(sample_rate)
        self._center = 100e6
        self._gain: float | None = None
        self._t = float(t0_s)
        self._retune_s = retune_s
        self._emissions = emissions(scenario)
        self._channel = Channel(scenario)
        # crc32, not hash(): str hashes change from process to process, the noise must not.
        self._rng = np.random.default_rng([scenario.seed, 0x5EED, zlib.crc32(self.node.id.encode())])
        self._upsampler = _upsampler(self._rate)

    @classmethod
    def from_file(cls, path, node_id: str | None = None, *, sample_rate: float = 2.4e6) -> SimSource:
        return cls(load_scenario(path), node_id, sample_rate=sample_rate)

    @property
    def time_s(self) -> float:
        """Scenario time of the next sample."""
        return self._t

    def skip_to(self, t_s: float) -> None:
        """Let the node idle until scenario time ``t_s`` (never backwards): nothing is rendered."""
        self._t = max(self._t, float(t_s))

    def tune(self, freq_hz: float) -> None:
        if freq_hz > self.max_freq_hz:
            raise SourceError(f"{self.name}: {freq_hz / 1e6:.1f} MHz is above the simulated {self.tuner}'s "
                              f"~{self.max_freq_hz / 1e6:.0f} MHz ceiling")
        self._center = float(freq_hz)
        self._t += self._retune_s

    def set_gain(self, db: float | None) -> None:
        self._gain = None if db is None else min(R820T_GAINS_DB, key=lambda g: abs(g - db))

    def position(self, t: float) -> Position:
        lat, lon, speed, heading = self.node.position(t - self.scenario.start_unix)
        return Position(lat, lon, alt_m=self.node.alt_m, speed_m_s=speed, heading_deg=heading,
                        fix="simulated", source="sim", fix_time=t)

    def noise_dbm(self, bw_hz: float) -> float:
        return BOLTZMANN_DBM_HZ + 10 * math.log10(bw_hz) + self.node.noise_figure_db

    def heard(self, t_s: float | None = None) -> list[HeardEmission]:
        """Emissions on air inside the current hop at scenario time ``t_s`` (default: now)."""
        t = self._t if t_s is None else t_s
        lat, lon, _, _ = self.node.position(t)
        half = self._rate / 2 - EDGE_HZ
        out = []
        for e in self._emissions:
            if abs(e.freq_hz - self._center) > half - e.bw_hz / 2 or not e.on_air(t):
                continue
            rx = self._channel.rx_dbm(e, self.node, lat, lon, t)
            out.append(HeardEmission(e.key, e.freq_hz, rx, rx - self.noise_dbm(e.bw_hz), e.emitter))
        return out

    def read(self, n: int) -> tuple[np.ndarray, float]:
        n = check_read_count(self, n)
        t0, fs, fc = self._t, self._rate, self._center
        lat, lon, _, _ = self.node.position(t0 + n / fs / 2)
        lo_hz = fc * (1 + self.node.ppm * 1e-6)  # what the dongle's LO really sits on
        half = fs / 2 - EDGE_HZ
        parts, total_mw = [], 0.0
        for e in self._emissions:
            if abs(e.freq_hz - fc) > half - e.bw_hz / 2 or not e.on_air(t0):
                continue
            rx = self._channel.rx_dbm(e, self.node, lat, lon, t0)
            amp = math.sqrt(10 ** (rx / 10))  # √mW: the waveforms have unit power
            parts.append(Part(e.freq_hz - lo_hz, amp, partial(_at_rate, e.render, self._upsampler.low_rate)))
            total_mw += amp * amp
        x = self._upsampler.render(int(round(t0 * fs)), n, parts)
        noise_mw = 10 ** (self.noise_dbm(fs) / 10)
        total_mw += noise_mw
        x += np.float32(math.sqrt(noise_mw / 2)) * self._rng.standard_normal(2 * n, np.float32).view(np.complex64)
        gain = self._gain if self._gain is not None else self._agc_gain(10 * math.log10(total_mw))
        full_scale_dbm = self.node.full_scale_dbm - gain
        x *= np.float32(10 ** (-full_scale_dbm / 20))
        self._t += n / fs
        return _front_end(x, self.node), self.scenario.start_unix + t0

    def _agc_gain(self, total_dbm: float) -> float:
        want = AGC_TARGET_DBFS - (total_dbm - self.node.full_scale_dbm)
        fitting = [g for g in R820T_GAINS_DB if g <= want]
        return fitting[-1] if fitting else R820T_GAINS_DB[0]


def _front_end(x: np.ndarray, node: Node) -> np.ndarray:
    """IQ imbalance, LO leakage, and the ADC (quantisation to ``adc_bits`` and clipping at full
    scale), in place on ``x`` (complex64)."""
    g = math.sqrt(10 ** (node.iq_gain_db / 20))
    phi = math.radians(node.iq_phase_deg)
    f = x.view(np.float32)
    i, q = f[0::2], f[1::2]
    q *= np.float32(math.cos(phi) / g)
    q += i * np.float32(math.sin(phi) / g)
    i *= np.float32(g)
    i += np.float32(10 ** (node.dc_spike_dbfs / 20))
    if node.adc_bits:
        # An unsigned ADC of 2^bits levels around mid-scale, as the RTL2832U's cu8 output.
        half = np.float32((2 ** node.adc_bits - 1) / 2)
        f *= half
        f += half
        np.rint(f, out=f)
        np.clip(f, 0, 2 * half, out=f)
        f -= half
        f /= half
    return x
