"""A fake librtlsdr at the ctypes level, loaded by pyrtlsdr through its ``pyrtlsdrlib`` hook.

The fake streams paced buffers whose I byte encodes the centre frequency (MHz mod 256) as it
was ``LATENCY`` buffers ago (what a real dongle's in-flight USB buffers do after a retune) and
whose Q byte counts buffers (mod 256), so a test can see stale and missing buffers.
"""

from __future__ import annotations

import ctypes
import threading
import time
import types
from collections import deque

from sensors.rtlsdr import R820T_GAINS_DB

R820T_GAINS = [round(10 * g) for g in R820T_GAINS_DB]  # librtlsdr reports tenths of a dB
LATENCY = 3


def freq_marker(freq_hz: float) -> int:
    return int(round(freq_hz / 1e6)) % 256


class FakeLib:
    def __init__(self, devices: int = 1, tuner: int = 5, paced: bool = True):
        self.devices, self.tuner, self.paced = devices, tuner, paced
        self.freq, self.rate, self.manual, self.gain, self.ppm = 100_000_000, 2_048_000, False, 0, 0
        self.cancelled = threading.Event()
        self.calls: list[tuple] = []
        fns = dict(
            rtlsdr_get_device_count=lambda: self.devices,
            rtlsdr_open=lambda dev_p, index: 0 if index < self.devices else -1,
            rtlsdr_close=lambda dev: 0,
            rtlsdr_get_tuner_type=lambda dev: self.tuner,
            rtlsdr_set_center_freq=self._set("freq"),
            rtlsdr_get_center_freq=lambda dev: self.freq,
            rtlsdr_set_sample_rate=self._set("rate"),
            rtlsdr_get_sample_rate=lambda dev: self.rate,
            rtlsdr_set_freq_correction=self._set("ppm"),
            rtlsdr_get_freq_correction=lambda dev: self.ppm,
            rtlsdr_set_tuner_gain_mode=self._set("manual"),
            rtlsdr_set_tuner_gain=self._set("gain"),
            rtlsdr_get_tuner_gain=lambda dev: self.gain,
            rtlsdr_get_tuner_gains=self._gains,
            rtlsdr_read_async=self._read_async,
            rtlsdr_cancel_async=lambda dev: self.cancelled.set() or 0,
        )
        for name, fn in fns.items():  # plain functions: pyrtlsdr sets restype/argtypes on them
            setattr(self, name, _plain(fn))

    def __getattr__(self, name):  # every other librtlsdr entry point: succeed and do nothing
        if not name.startswith("rtlsdr_"):
            raise AttributeError(name)
        fn = _plain(lambda *a: 0)
        setattr(self, name, fn)
        return fn

    def _set(self, attr):
        def setter(dev, value):
            setattr(self, attr, value)
            self.calls.append((attr, value))
            return 0
        return setter

    def _gains(self, dev, buf):
        if buf is not None:
            for i, g in enumerate(R820T_GAINS):
                buf[i] = g
        return len(R820T_GAINS)

    def _read_async(self, dev, callback, context, buf_num, buf_len):
        self.cancelled.clear()
        history = deque([self.freq] * LATENCY, maxlen=LATENCY)
        buf = (ctypes.c_ubyte * buf_len)()
        seq = 0
        t_next = time.monotonic()
        while not self.cancelled.is_set():
            stale = history[0]
            history.append(self.freq)
            buf[0::2] = bytes([freq_marker(stale)]) * (buf_len // 2)
            buf[1::2] = bytes([seq % 256]) * (buf_len // 2)
            callback(ctypes.cast(buf, ctypes.POINTER(ctypes.c_ubyte)), buf_len, context)
            seq += 1
            if self.paced:
                t_next += buf_len / 2 / self.rate
                time.sleep(max(0.0, t_next - time.monotonic()))
        return 0


def _plain(fn):
    def call(*args):
        return fn(*args)
    return call


def loader(lib: FakeLib) -> types.ModuleType:
    """A stand-in for the optional ``pyrtlsdrlib`` package, whose loader pyrtlsdr tries first."""
    mod = types.ModuleType("pyrtlsdrlib")
    mod.load_librtlsdr = lambda: lib
    return mod
