"""19 kHz stereo pilot: presence, injection (deviation) and frequency error by a phase-slope fit
over the whole observation (ITU-R BS.450 §2: 19 kHz ± 2 Hz, 8–10 % of the maximum deviation).

The composite is mixed down by exactly 19 kHz and summed over 10 ms slots (a 100 Hz wide look that
keeps 15 kHz audio and 23 kHz L−R out); each slot's phasor turns by 2π·Δf·10 ms, so a straight-line
fit to the unwrapped phase gives Δf to millihertz over seconds (unambiguous within ±50 Hz). The same slots at 17.5 kHz, where a BS.450 multiplex is empty
(between 15 kHz audio and the 23 kHz lower edge of L−R), measure the noise the pilot must clear.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dsp.errors import DspError
from dsp.fm.checks import real_1d

PILOT_HZ = 19_000.0
QUIET_HZ = 17_500.0
SLOT_S = 10e-3
MAX_SECONDS = 60.0
MIN_PILOT_DEV_HZ = 300.0  # below this a "pilot" is no stereo signal a receiver would lock to
PRESENCE_SNR_DB = 15.0


@dataclass(frozen=True)
class Pilot:
    present: bool
    level_hz: float  # peak deviation of the pilot tone
    freq_error_hz: float | None  # pilot frequency − 19 kHz, against the recording's sample clock
    snr_db: float  # pilot slot power over the 17.5 kHz slot noise


class PilotMeter:
    """Accumulates 10 ms phasors at 19 kHz and 17.5 kHz from consecutive blocks of the composite."""

    def __init__(self, mpx_rate: float):
        if mpx_rate < 2.2 * PILOT_HZ:
            raise DspError(f"mpx_rate {mpx_rate}: too low to hold a 19 kHz pilot")
        self.rate = float(mpx_rate)
        self.slot = max(1, int(round(SLOT_S * mpx_rate)))
        self._pending = np.zeros(0, np.float32)
        self._start = 0  # absolute index of _pending[0]
        self._pilot: list[np.ndarray] = []
        self._quiet: list[np.ndarray] = []
        self._limit = int(MAX_SECONDS / SLOT_S)
        self._count = 0

    def add(self, mpx: np.ndarray) -> None:
        if self._count >= self._limit:
            return
        x = np.concatenate((self._pending, real_1d(mpx, "mpx").astype(np.float32)))
        n = (len(x) // self.slot) * self.slot
        if n:
            slots = x[:n].reshape(-1, self.slot)
            slot_t = (self._start + self.slot * np.arange(n // self.slot, dtype=np.float64)) / self.rate
            local = np.arange(self.slot) / self.rate
            for f, store in ((PILOT_HZ, self._pilot), (QUIET_HZ, self._quiet)):
                # e^{-j2πf(t_slot + τ)} = e^{-j2πf·t_slot} · e^{-j2πf·τ}: one table per slot length.
                tab = 2 * np.pi * f * local
                local_sum = slots @ np.cos(tab).astype(np.float32) - 1j * (slots @ np.sin(tab).astype(np.float32))
                store.append(local_sum * np.exp(-2j * np.pi * ((f * slot_t) % 1.0)))
            self._count += n // self.slot
        self._pending = x[n:]
        self._start += n

    def result(self) -> Pilot | None:
        if not self._pilot:
            return None
        p = np.concatenate(self._pilot)
        q = np.concatenate(self._quiet)
        amp = 2 * np.abs(p) / self.slot
        noise = 2 * np.sqrt(np.mean(np.abs(q) ** 2)) / self.slot
        snr = float(20 * np.log10(max(np.median(amp), 1e-9) / max(noise, 1e-9)))
        present = bool(snr >= PRESENCE_SNR_DB and np.median(amp) >= MIN_PILOT_DEV_HZ and len(p) >= 20)
        if not present:
            return Pilot(False, float(np.median(amp)), None, snr)
        t = (np.arange(len(p)) + 0.5) * self.slot / self.rate
        phase = np.unwrap(np.angle(p))
        slope, icept = np.polyfit(t, phase, 1)
        # Level from the coherent sum once the frequency error is taken out: unbiased by noise.
        coherent = np.abs(np.mean(p * np.exp(-1j * (slope * t + icept)))) * 2 / self.slot
        return Pilot(True, float(coherent), float(slope / (2 * np.pi)), snr)
