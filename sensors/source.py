"""The one small interface every IQ source offers: tune, set gain, read N samples with a timestamp.

Three sources implement it: :mod:`sensors.rtlsdr` (hardware), :mod:`sensors.replay` (recordings
played back as if live) and :mod:`sensors.sim` (a simulated city). :func:`open_source` turns the
``--source`` text of ``foxhunt scan`` into one of them.
"""

from __future__ import annotations

import abc
from pathlib import Path

import numpy as np

from sensors.errors import SourceError
from sensors.wire import Position


class Source(abc.ABC):
    """An IQ source. Use it as a context manager so the device or file is always released.

    ``read(n)`` returns ``(samples, t)``: ``n`` complex64 samples at full scale 1.0 and the Unix
    time of the first one. After :meth:`tune` the samples are of the new frequency only (a source
    discards whatever the tuner produced while settling).
    """

    #: Human name for logs and the health line (``rtlsdr:0``, ``sigmf:PATH``, ``sim:city:node``).
    name: str = "source"
    #: The highest centre frequency the front end reaches, Hz.
    max_freq_hz: float = float("inf")
    #: The only centre frequencies :meth:`tune` accepts (a replay of per-hop recordings); None: any.
    fixed_freqs: tuple[float, ...] | None = None

    # Implementations keep their state in these three; the properties below read them.
    _rate: float
    _center: float
    _gain: float | None = None

    @property
    def sample_rate(self) -> float:
        return self._rate

    @property
    def center_freq(self) -> float:
        return self._center

    @property
    def gain_db(self) -> float | None:
        """The tuner gain in use; None while the AGC is on."""
        return self._gain

    @abc.abstractmethod
    def tune(self, freq_hz: float) -> None: ...

    def set_gain(self, db: float | None) -> None:
        """A manual gain in dB (the nearest the tuner offers), or None for the tuner's AGC."""

    @abc.abstractmethod
    def read(self, n: int) -> tuple[np.ndarray, float]: ...

    def position(self, t: float) -> Position | None:
        """Where the antenna was at Unix time ``t``, when the source knows (replay, simulation)."""
        return None

    def close(self) -> None:
        """Release the device or file; reading afterwards is an error."""

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def check_read_count(source: Source, n: int) -> int:
    if not isinstance(n, (int, np.integer)) or n <= 0:
        raise SourceError(f"{source.name}: read needs a positive sample count, got {n!r}")
    return int(n)


def open_source(spec: str, *, sample_rate: float = 2.4e6, gain_db: float | None = None,
                ppm: float = 0.0) -> Source:
    """``rtlsdr[:N]``, ``sigmf:PATH`` (a recording or a folder of per-hop recordings) or
    ``sim:SCENARIO[:NODE][@SECONDS]`` (the simulation clock starts SECONDS after the scenario start)."""
    kind, _, rest = spec.partition(":")
    if kind == "rtlsdr":
        from sensors.rtlsdr import RtlSdrSource
        try:
            index = int(rest) if rest else 0
        except ValueError:
            raise SourceError(f"--source {spec!r}: expected rtlsdr or rtlsdr:N with N a device index") from None
        src = RtlSdrSource(index, sample_rate=sample_rate, ppm=ppm)
        src.set_gain(gain_db)
        return src
    if kind == "sigmf":
        from sensors.replay import ReplaySource
        if not rest:
            raise SourceError(f"--source {spec!r}: expected sigmf:PATH")
        return ReplaySource(rest)
    if kind == "sim":
        from sensors.scenario import load_scenario
        from sensors.sim import SimSource
        rest, at, t0 = rest.rpartition("@") if "@" in rest else (rest, "", "0")
        try:
            t0_s = float(t0)
        except ValueError:
            raise SourceError(f"--source {spec!r}: @{t0} is not a number of seconds") from None
        path, node = _split_scenario(rest)
        if not path:
            raise SourceError(f"--source {spec!r}: expected sim:SCENARIO.toml[:NODE][@SECONDS]")
        src = SimSource(load_scenario(path), node, sample_rate=sample_rate, t0_s=t0_s)
        src.set_gain(gain_db)
        return src
    raise SourceError(f"--source {spec!r}: expected rtlsdr[:N], sigmf:PATH or sim:SCENARIO[:NODE][@SECONDS]")


def _split_scenario(rest: str) -> tuple[str, str | None]:
    """``city.toml:node-3`` → (``city.toml``, ``node-3``); a path with a colon but no node survives."""
    if Path(rest).exists():
        return rest, None
    path, sep, node = rest.rpartition(":")
    return (path, node or None) if sep else (rest, None)
