"""Emissions in the aeronautical band (108–137 MHz) traced to FM broadcast carriers: harmonics and
third-order intermodulation 2f1−f2 and f1+f2−f3 (ITU-R SM.1009-1 §2, type A1/A2 interference),
and, for an AM-modulated emission, the station whose audio it carries.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from dsp.bands import AIR
from dsp.errors import DspError

MAX_HARMONIC = 5
AM_MIN_CORRELATION = 0.5


@dataclass(frozen=True)
class Relation:
    """How an emission's frequency follows from broadcast carriers."""

    mechanism: str  # "harmonic3", "2f1-f2", "f1+f2-f3"
    sources_hz: tuple[float, ...]  # f1, f2(, f3) in the order of the formula
    predicted_hz: float

    def error_hz(self, freq_hz: float) -> float:
        return abs(freq_hz - self.predicted_hz)


def in_aviation_band(freq_hz: float) -> bool:
    return AIR.contains(freq_hz)


def frequency_relations(freq_hz: float, carriers_hz, tolerance_hz: float = 5e3) -> list[Relation]:
    """Every harmonic n·f, 2f1−f2 and f1+f2−f3 of the carriers within ``tolerance_hz`` of
    ``freq_hz``, best match first (lowest order first on ties: third order is the likelier)."""
    carriers = sorted({float(c) for c in carriers_hz})
    if tolerance_hz <= 0:
        raise DspError(f"tolerance_hz {tolerance_hz}: expected > 0")
    found: list[Relation] = []
    for f in carriers:
        for n in range(2, MAX_HARMONIC + 1):
            found.append(Relation(f"harmonic{n}", (f,), n * f))
    for f1, f2 in itertools.permutations(carriers, 2):
        found.append(Relation("2f1-f2", (f1, f2), 2 * f1 - f2))
    for f1, f2 in itertools.combinations(carriers, 2):
        for f3 in carriers:
            if f3 not in (f1, f2):
                found.append(Relation("f1+f2-f3", (f1, f2, f3), f1 + f2 - f3))
    near = [r for r in found if r.error_hz(freq_hz) <= tolerance_hz]
    order = {"2f1-f2": 0, "f1+f2-f3": 1}
    return sorted(near, key=lambda r: (round(r.error_hz(freq_hz)), order.get(r.mechanism, 2)))


def audio_correlation(a: np.ndarray, b: np.ndarray, max_lag: int) -> float:
    """Peak normalised cross-correlation of two audio signals at the same rate over lags
    |lag| ≤ max_lag (the two paths' filters delay differently)."""
    n = min(len(a), len(b))
    if n <= 2 * max_lag + 16:
        return 0.0
    a = np.asarray(a[:n], dtype=np.float64) - np.mean(a[:n])
    b = np.asarray(b[:n], dtype=np.float64) - np.mean(b[:n])
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return 0.0
    size = int(2 ** np.ceil(np.log2(2 * n)))
    xc = np.fft.irfft(np.fft.rfft(a, size) * np.conj(np.fft.rfft(b, size)), size)
    lags = np.concatenate((xc[:max_lag + 1], xc[-max_lag:]))
    return float(np.max(np.abs(lags)) / (na * nb))
