"""RTL-SDR (RTL2832U + R820T/R828D/E4000/…) through pyrtlsdr, streamed without losing buffers.

A reader thread runs librtlsdr's asynchronous read; its callback only copies each USB buffer into a
bounded queue (a full queue counts a dropped buffer, never blocks the USB thread). :meth:`read`
assembles samples from the queue. A retune bumps a generation number: buffers of an older
generation, and then ``settle_s`` worth of the new one (the PLL and the tuner's filters settling,
plus buffers already in flight), are thrown away, so what :meth:`read` returns after
:meth:`tune` is the new frequency only.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

import numpy as np

from sensors.errors import SourceError
from sensors.source import Source, check_read_count

log = logging.getLogger(__name__)

#: librtlsdr ``enum rtlsdr_tuner`` → (name, highest usable frequency in Hz). The R820T/R828D PLL
#: stops locking near 1.76 GHz, so DCS1800 downlink (1805–1880 MHz) is out of its reach.
TUNERS: dict[int, tuple[str, float]] = {
    0: ("unknown", 1.766e9),
    1: ("E4000", 2.2e9),
    2: ("FC0012", 948.6e6),
    3: ("FC0013", 1.1e9),
    4: ("FC2580", 924e6),
    5: ("R820T", 1.766e9),
    6: ("R828D", 1.766e9),
}

#: The R820T/R828D gain table librtlsdr reports (dB); the simulator's AGC uses it too.
R820T_GAINS_DB: tuple[float, ...] = (0.0, 0.9, 1.4, 2.7, 3.7, 7.7, 8.7, 12.5, 14.4, 15.7, 16.6, 19.7, 20.7,
                                     22.9, 25.4, 28.0, 29.7, 32.8, 33.8, 36.4, 37.2, 38.6, 40.2, 42.1,
                                     43.4, 43.9, 44.5, 48.0, 49.6)

BUFFER_BYTES = 1 << 16          # 32 768 samples, ~14 ms at 2.4 MS/s
QUEUE_BUFFERS = 256             # ~3.5 s of 2.4 MS/s in flight before anything is dropped
DEFAULT_SETTLE_S = 0.05


def _load_rtlsdr():
    """pyrtlsdr's ctypes library and its RtlSdr class; pyrtlsdr loads librtlsdr at import time."""
    try:
        from rtlsdr.librtlsdr import librtlsdr
        from rtlsdr.rtlsdr import RtlSdr
    except ImportError as exc:
        raise SourceError(f"RTL-SDR unavailable: {exc} (install librtlsdr, e.g. apt install librtlsdr0)") from None
    return librtlsdr, RtlSdr


class RtlSdrSource(Source):
    """One RTL-SDR dongle."""

    def __init__(self, device_index: int = 0, *, sample_rate: float = 2.4e6, ppm: float = 0.0,
                 settle_s: float = DEFAULT_SETTLE_S, buffer_bytes: int = BUFFER_BYTES,
                 queue_buffers: int = QUEUE_BUFFERS):
        lib, rtlsdr_class = _load_rtlsdr()
        self.name = f"rtlsdr:{device_index}"
        try:
            count = int(lib.rtlsdr_get_device_count())
        except Exception as exc:  # librtlsdr errors arrive as assorted IOError/ctypes exceptions
            raise SourceError(f"{self.name}: cannot enumerate RTL-SDR devices: {exc}") from None
        if device_index >= count:
            raise SourceError(f"{self.name}: no RTL-SDR dongle at index {device_index} "
                              f"({count} found; is it plugged in and not used by another program?)")
        try:
            self._sdr = rtlsdr_class(device_index)
        except Exception as exc:
            raise SourceError(f"{self.name}: cannot open the dongle: {exc}") from None
        self._lock = threading.Lock()
        self._closed = False
        tuner = self._sdr.get_tuner_type()
        self.tuner, self.max_freq_hz = TUNERS.get(tuner, TUNERS[0])
        self._call("set_sample_rate", sample_rate)
        self._rate = float(self._sdr.get_sample_rate())
        if ppm:
            self._call("set_freq_correction", int(round(ppm)))
        self.ppm = float(ppm)
        self.gains_db: tuple[float, ...] = tuple(g / 10 for g in self._sdr.get_gains())
        self._gain: float | None = None
        self._call("set_gain", "auto")
        self._center = float(self._sdr.get_center_freq())
        self._settle_n = int(round(settle_s * self._rate))
        self._buffer_bytes = int(buffer_bytes)
        self._queue: queue.Queue = queue.Queue(maxsize=queue_buffers)
        self._generation = 0
        self._to_discard = self._settle_n
        self._pending = np.zeros(0, np.complex64)
        self._pending_t = 0.0
        self.dropped_buffers = 0
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------------------------- control

    def tune(self, freq_hz: float) -> None:
        if freq_hz > self.max_freq_hz:
            raise SourceError(f"{self.name}: {freq_hz / 1e6:.1f} MHz is above the {self.tuner} tuner's "
                              f"~{self.max_freq_hz / 1e6:.0f} MHz ceiling (DCS1800 needs an E4000 tuner "
                              f"or another SDR)")
        with self._lock:
            self._call("set_center_freq", freq_hz)
            self._center = float(freq_hz)
            self._generation += 1
            self._to_discard = self._settle_n
            self._pending = np.zeros(0, np.complex64)

    def set_gain(self, db: float | None) -> None:
        """Nearest entry of the tuner's gain table, or None for AGC."""
        with self._lock:
            if db is None:
                self._call("set_gain", "auto")
                self._gain = None
            else:
                nearest = min(self.gains_db, key=lambda g: abs(g - db))
                self._call("set_gain", nearest)
                self._gain = nearest
            self._generation += 1
            self._to_discard = self._settle_n
            self._pending = np.zeros(0, np.complex64)

    def _call(self, method: str, *args):
        try:
            return getattr(self._sdr, method)(*args)
        except Exception as exc:
            raise SourceError(f"{self.name}: {method}{args}: {exc}") from None

    # -------------------------------------------------------------------------------- streaming

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"{self.name}-reader", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._sdr.read_bytes_async(self._on_buffer, self._buffer_bytes)
        except BaseException as exc:  # surfaced to the reader by read()
            if not self._closed:
                self._error = exc
        finally:
            try:
                self._queue.put_nowait(None)  # wake a reader waiting on a stream that ended
            except queue.Full:
                pass

    def _on_buffer(self, buf, _context) -> None:
        t_end = time.time()
        raw = np.frombuffer(buf, dtype=np.uint8).copy()
        try:
            self._queue.put_nowait((self._generation, t_end, raw))
        except queue.Full:
            self.dropped_buffers += 1

    def read(self, n: int) -> tuple[np.ndarray, float]:
        n = check_read_count(self, n)
        if self._closed:
            raise SourceError(f"{self.name}: read after close")
        if self._thread is None:
            self._start()
        parts, have, t0 = [self._pending], self._pending.size, self._pending_t
        while have < n:
            try:
                item = self._queue.get(timeout=5.0 + n / self._rate) if self._error is None else None
            except queue.Empty:
                raise SourceError(f"{self.name}: no samples for 5 s; the dongle stopped streaming") from None
            if item is None:
                raise SourceError(f"{self.name}: the stream stopped: {self._error or 'device gone'}")
            gen, t_end, raw = item
            if gen != self._generation:
                continue
            iq = _cu8_to_complex64(raw)
            t_first = t_end - iq.size / self._rate
            if self._to_discard:
                skip = min(self._to_discard, iq.size)
                self._to_discard -= skip
                iq, t_first = iq[skip:], t_first + skip / self._rate
                if not iq.size:
                    continue
            if have == 0:
                t0 = t_first
            parts.append(iq)
            have += iq.size
        out = np.concatenate(parts)
        self._pending, self._pending_t = out[n:], t0 + n / self._rate
        return out[:n], t0

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self._thread is not None:
                self._sdr.cancel_read_async()
                self._thread.join(timeout=2.0)
        finally:
            self._sdr.close()
        if self.dropped_buffers:
            log.warning("%s: %d buffers dropped (the reader fell behind)", self.name, self.dropped_buffers)


def _cu8_to_complex64(raw: np.ndarray) -> np.ndarray:
    """RTL-SDR interleaved unsigned 8-bit I/Q → complex64 at full scale 1.0 (as sensors.recording)."""
    f = raw.astype(np.float32)
    f -= 127.5
    f *= 1 / 127.5
    return f.view(np.complex64)
