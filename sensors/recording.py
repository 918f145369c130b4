"""IQ recordings: SigMF (``.sigmf-meta`` + ``.sigmf-data``) and raw files, read in blocks, written atomically.

Samples always come out as ``complex64`` scaled to full scale 1.0, whatever the stored type:

=========  ===========================  ==========================================
datatype   stored as                    to complex64
=========  ===========================  ==========================================
cf32_le    float32 I, float32 Q         as is
ci16_le    int16 I, int16 Q             x / 32768
ci8        int8 I, int8 Q               x / 128
cu8        uint8 I, uint8 Q (RTL-SDR)   (x - 127.5) / 127.5
=========  ===========================  ==========================================

Reading never loads a file whole: :meth:`Recording.blocks` maps the file and converts one block
at a time. Writing goes to a temporary name in the same folder and is renamed into place, data
first and metadata last, so a recording whose ``.sigmf-meta`` exists is always complete.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import sigmf
from sigmf import SigMFFile

from sensors.errors import RecordingError

META_EXT = ".sigmf-meta"
DATA_EXT = ".sigmf-data"

#: Stored component dtype and the scale that maps it to [-1, 1).
_COMPONENT: dict[str, tuple[np.dtype, float, float]] = {
    "cf32_le": (np.dtype("<f4"), 0.0, 1.0),
    "ci16_le": (np.dtype("<i2"), 0.0, 32768.0),
    "ci8": (np.dtype("i1"), 0.0, 128.0),
    "cu8": (np.dtype("u1"), 127.5, 127.5),
}
DATATYPES: tuple[str, ...] = tuple(_COMPONENT)
_ALIASES = {"cf32": "cf32_le", "ci16": "ci16_le", "cs16": "ci16_le", "cs8": "ci8", "ci8_le": "ci8",
            "cu8_le": "cu8", "cfile": "cf32_le", "fc32": "cf32_le"}

DEFAULT_BLOCK = 1 << 18


def normalise_datatype(name: str) -> str:
    """The canonical SigMF name of a complex datatype this module reads (``cf32`` → ``cf32_le``)."""
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in _COMPONENT:
        raise RecordingError(
            f"datatype {name!r} is not supported; expected one of {', '.join(DATATYPES)}")
    return key


@dataclass(frozen=True)
class Geolocation:
    """Where the node was: WGS84 degrees, altitude in metres above the ellipsoid when known."""

    lat: float
    lon: float
    alt_m: float | None = None

    def to_geojson(self) -> dict:
        coords = [self.lon, self.lat] + ([self.alt_m] if self.alt_m is not None else [])
        return {"type": "Point", "coordinates": coords}


@dataclass(frozen=True)
class RecordingInfo:
    """What a recording says about itself."""

    data_path: Path
    meta_path: Path | None
    datatype: str
    sample_rate: float
    center_freq: float
    n_samples: int
    datetime: datetime | None = None
    hw: str | None = None
    geolocation: Geolocation | None = None
    description: str | None = None
    data_offset: int = 0

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.sample_rate

    @property
    def bytes_per_sample(self) -> int:
        return 2 * _COMPONENT[self.datatype][0].itemsize


@dataclass(frozen=True)
class SampleStats:
    """A full pass over a recording: what an engineer checks before trusting it."""

    n_samples: int
    non_finite: int
    first_non_finite: int | None
    rms_dbfs: float
    peak_dbfs: float
    clipped_fraction: float
    dc_offset: complex


class Recording:
    """An opened recording; samples are read on demand."""

    def __init__(self, info: RecordingInfo):
        self.info = info
        self._map: np.ndarray | None = None

    def __repr__(self) -> str:
        return f"Recording({str(self.info.data_path)!r}, {self.info.datatype}, {self.info.n_samples} samples)"

    def _components(self) -> np.ndarray:
        if self._map is None:
            comp, _, _ = _COMPONENT[self.info.datatype]
            self._map = np.memmap(self.info.data_path, dtype=comp, mode="r",
                                  offset=self.info.data_offset, shape=(2 * self.info.n_samples,))
        return self._map

    def read(self, start: int = 0, count: int | None = None) -> np.ndarray:
        """Samples ``start .. start+count`` (to the end when ``count`` is None) as complex64."""
        n = self.info.n_samples
        if start < 0 or start > n:
            raise RecordingError(f"{self.info.data_path}: start sample {start} outside 0..{n}")
        stop = n if count is None else min(n, start + max(0, count))
        raw = self._components()[2 * start:2 * stop]
        out = _to_complex64(raw, self.info.datatype)
        if self.info.datatype == "cf32_le":
            bad = ~np.isfinite(out)
            if bad.any():
                first = start + int(np.argmax(bad))
                raise RecordingError(
                    f"{self.info.data_path}: sample {first} is NaN or Inf; the recording is corrupt")
        return out

    def blocks(self, block_size: int = DEFAULT_BLOCK, start: int = 0,
               count: int | None = None) -> Iterator[np.ndarray]:
        """Consecutive complex64 blocks of at most ``block_size`` samples, streamed from disk."""
        if block_size <= 0:
            raise RecordingError(f"block size must be positive, got {block_size}")
        stop = self.info.n_samples if count is None else min(self.info.n_samples, start + count)
        for pos in range(start, stop, block_size):
            yield self.read(pos, min(block_size, stop - pos))

    def scan(self, block_size: int = DEFAULT_BLOCK) -> SampleStats:
        """One streamed pass: power, peak, clipping of integer types, non-finite samples, DC."""
        comp, _, _ = _COMPONENT[self.info.datatype]
        lo, hi = (np.iinfo(comp).min, np.iinfo(comp).max) if comp.kind in "iu" else (None, None)
        energy = 0.0
        peak = 0.0
        clipped = 0
        non_finite = 0
        first_bad: int | None = None
        dc = 0j
        n = self.info.n_samples
        for pos in range(0, n, block_size):
            m = min(block_size, n - pos)
            raw = self._components()[2 * pos:2 * (pos + m)]
            x = _to_complex64(raw, self.info.datatype)
            finite = np.isfinite(x)
            if not finite.all():
                if first_bad is None:
                    first_bad = pos + int(np.argmax(~finite))
                non_finite += int(m - finite.sum())
                x = np.where(finite, x, 0)
            p = x.real.astype(np.float64) ** 2 + x.imag.astype(np.float64) ** 2
            energy += float(p.sum())
            peak = max(peak, float(p.max(initial=0.0)))
            dc += complex(x.sum(dtype=np.complex128))
            if lo is not None:
                clipped += int(np.count_nonzero((raw == lo) | (raw == hi)))
        rms = energy / n
        return SampleStats(
            n_samples=n,
            non_finite=non_finite,
            first_non_finite=first_bad,
            rms_dbfs=_db(rms),
            peak_dbfs=_db(peak),
            clipped_fraction=clipped / (2 * n),
            dc_offset=dc / n,
        )


def _db(power: float) -> float:
    return 10.0 * math.log10(power) if power > 0 else float("-inf")


def _to_complex64(raw: np.ndarray, datatype: str) -> np.ndarray:
    """Interleaved stored components to complex64 at full scale 1.0."""
    _, offset, scale = _COMPONENT[datatype]
    if datatype == "cf32_le":
        return np.ascontiguousarray(raw).view(np.complex64).copy()
    f = raw.astype(np.float32)
    if offset:
        f -= np.float32(offset)
    f *= np.float32(1.0 / scale)
    return f.view(np.complex64)


def _from_complex64(x: np.ndarray, datatype: str) -> np.ndarray:
    """complex64 at full scale 1.0 to interleaved stored components (rounded and clipped)."""
    comp, offset, scale = _COMPONENT[datatype]
    inter = np.ascontiguousarray(x, dtype=np.complex64).view(np.float32)
    if datatype == "cf32_le":
        return inter.astype(comp, copy=False)
    info = np.iinfo(comp)
    v = np.rint(inter.astype(np.float64) * scale + offset)
    return np.clip(v, info.min, info.max).astype(comp)


# ---------------------------------------------------------------------------------------- reading


def sigmf_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """(meta, data) paths of a SigMF recording named by its meta, its data or their common base."""
    p = Path(path)
    if p.name.endswith(META_EXT) or p.name.endswith(DATA_EXT):
        base = p.with_name(p.name[: -len(META_EXT)])
    elif p.name.endswith("."):
        base = p.with_name(p.name[:-1])
    else:
        base = p
    return base.with_name(base.name + META_EXT), base.with_name(base.name + DATA_EXT)


def is_sigmf(path: str | os.PathLike) -> bool:
    meta, data = sigmf_paths(path)
    return meta.exists() or Path(path).name.endswith((META_EXT, DATA_EXT))


def open_recording(path: str | os.PathLike, *, rate: float | None = None, freq: float | None = None,
                   fmt: str | None = None) -> Recording:
    """Open a SigMF recording, or a raw file when ``rate``, ``freq`` and ``fmt`` describe it.

    Raises :class:`RecordingError` with one line naming the file and the field for anything
    that is not a readable, non-empty recording of a supported datatype.
    """
    p = Path(path)
    raw_args = [v for v in (rate, freq, fmt) if v is not None]
    if sigmf_paths(p)[0].exists():
        if raw_args:
            # The metadata is the authority; silently preferring one or the other would be a guess.
            raise RecordingError(f"{p}: is a SigMF recording; --rate/--freq/--format are for raw files only")
        return Recording(_read_sigmf_info(p))
    if is_sigmf(p) and not raw_args:
        return Recording(_read_sigmf_info(p))
    if not p.exists():
        raise RecordingError(f"{p}: no such file")
    missing = [name for name, v in (("--rate", rate), ("--freq", freq), ("--format", fmt)) if v is None]
    if missing:
        raise RecordingError(
            f"{p}: not a SigMF recording (no {p.name}{META_EXT}); a raw file needs {', '.join(missing)}")
    datatype = normalise_datatype(fmt)
    _check_rate(p, rate)
    return Recording(_data_info(p, None, datatype=datatype, sample_rate=float(rate),
                                center_freq=float(freq), offset=0, trailing=0))


def _check_rate(where: Path, rate: float) -> None:
    if not isinstance(rate, (int, float)) or not math.isfinite(rate) or rate <= 0:
        raise RecordingError(f"{where}: sample rate must be a positive number of Hz, got {rate!r}")


def _data_info(data: Path, meta: Path | None, *, datatype: str, sample_rate: float,
               center_freq: float, offset: int, trailing: int, **extra) -> RecordingInfo:
    if not data.exists():
        raise RecordingError(f"{data}: data file missing (the metadata {meta} names no readable samples)"
                             if meta else f"{data}: no such file")
    size = data.stat().st_size - offset - trailing
    bytes_per = 2 * _COMPONENT[datatype][0].itemsize
    if size <= 0:
        raise RecordingError(f"{data}: holds no samples (zero-length data)")
    if size % bytes_per:
        raise RecordingError(
            f"{data}: {size} bytes is not a whole number of {datatype} samples ({bytes_per} bytes each);"
            " the file is truncated or the datatype is wrong")
    return RecordingInfo(data_path=data, meta_path=meta, datatype=datatype, sample_rate=sample_rate,
                         center_freq=center_freq, n_samples=size // bytes_per, data_offset=offset,
                         **extra)


def _read_sigmf_info(path: Path) -> RecordingInfo:
    meta_path, data_path = sigmf_paths(path)
    if not meta_path.exists():
        raise RecordingError(f"{meta_path}: metadata file missing")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordingError(f"{meta_path}: not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("global"), dict):
        raise RecordingError(f"{meta_path}: no \"global\" object; not SigMF metadata")
    glob = meta["global"]
    captures = meta.get("captures") or [{}]
    if not isinstance(captures, list) or not isinstance(captures[0], dict):
        raise RecordingError(f"{meta_path}: \"captures\" must be a list of objects")
    cap0 = captures[0]

    dt_name = glob.get(sigmf.DATATYPE_KEY)
    if not isinstance(dt_name, str):
        raise RecordingError(f"{meta_path}: {sigmf.DATATYPE_KEY} missing; expected one of {', '.join(DATATYPES)}")
    try:
        datatype = normalise_datatype(dt_name)
    except RecordingError:
        raise RecordingError(f"{meta_path}: {sigmf.DATATYPE_KEY} {dt_name!r} is not supported;"
                             f" expected one of {', '.join(DATATYPES)}") from None
    channels = glob.get(sigmf.NUM_CHANNELS_KEY, 1)
    if channels != 1:
        raise RecordingError(f"{meta_path}: {sigmf.NUM_CHANNELS_KEY} is {channels}; only 1 channel is supported")

    rate = glob.get(sigmf.SAMPLE_RATE_KEY)
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not math.isfinite(rate) or rate <= 0:
        raise RecordingError(f"{meta_path}: {sigmf.SAMPLE_RATE_KEY} must be a positive number of Hz, got {rate!r}")
    freq = cap0.get(sigmf.FREQUENCY_KEY)
    if not isinstance(freq, (int, float)) or isinstance(freq, bool) or not math.isfinite(freq):
        raise RecordingError(f"{meta_path}: captures[0] {sigmf.FREQUENCY_KEY} must be a number of Hz, got {freq!r}")

    offset = cap0.get(sigmf.HEADER_BYTES_KEY, 0)
    trailing = glob.get(sigmf.TRAILING_BYTES_KEY, 0)
    for key, v in ((sigmf.HEADER_BYTES_KEY, offset), (sigmf.TRAILING_BYTES_KEY, trailing)):
        if not isinstance(v, int) or v < 0:
            raise RecordingError(f"{meta_path}: {key} must be a non-negative integer, got {v!r}")

    return _data_info(
        data_path, meta_path, datatype=datatype, sample_rate=float(rate), center_freq=float(freq),
        offset=offset, trailing=trailing,
        datetime=_parse_datetime(meta_path, cap0.get(sigmf.DATETIME_KEY)),
        hw=glob.get(sigmf.HW_KEY) if isinstance(glob.get(sigmf.HW_KEY), str) else None,
        geolocation=_parse_geolocation(meta_path, glob.get(sigmf.GEOLOCATION_KEY)),
        description=glob.get(sigmf.DESCRIPTION_KEY) if isinstance(glob.get(sigmf.DESCRIPTION_KEY), str) else None,
    )


def _parse_datetime(where: Path, value) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordingError(f"{where}: {sigmf.DATETIME_KEY} must be an ISO 8601 string, got {value!r}")
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RecordingError(f"{where}: {sigmf.DATETIME_KEY} {value!r} is not ISO 8601") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _parse_geolocation(where: Path, value) -> Geolocation | None:
    if value is None:
        return None
    coords = value.get("coordinates") if isinstance(value, dict) else None
    if (not isinstance(coords, list) or len(coords) not in (2, 3)
            or not all(isinstance(c, (int, float)) and math.isfinite(c) for c in coords)):
        raise RecordingError(f"{where}: {sigmf.GEOLOCATION_KEY} must be a GeoJSON Point [lon, lat(, alt)]")
    lon, lat = float(coords[0]), float(coords[1])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise RecordingError(f"{where}: {sigmf.GEOLOCATION_KEY} lat {lat} / lon {lon} out of range")
    return Geolocation(lat=lat, lon=lon, alt_m=float(coords[2]) if len(coords) == 3 else None)


# ---------------------------------------------------------------------------------------- writing


@dataclass
class RecordingWriter:
    """Stream complex64 blocks into a SigMF recording; nothing appears under the final name until
    :meth:`close` (or the end of a ``with`` block without an exception) commits it.

    >>> import tempfile, numpy as np
    >>> base = tempfile.mkdtemp() + "/x"
    >>> with RecordingWriter(base, datatype="cu8", sample_rate=2.4e6, center_freq=947e6) as w:
    ...     w.write(np.zeros(1000, np.complex64))
    >>> open_recording(base).info.n_samples
    1000
    """

    base: str | os.PathLike
    datatype: str
    sample_rate: float
    center_freq: float
    datetime: datetime | None = None
    hw: str | None = None
    geolocation: Geolocation | None = None
    description: str | None = None
    extra_global: dict = field(default_factory=dict)
    annotations: list = field(default_factory=list)
    _tmp: object = field(init=False, default=None, repr=False)
    _count: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.datatype = normalise_datatype(self.datatype)
        _check_rate(Path(self.base), self.sample_rate)
        self.meta_path, self.data_path = sigmf_paths(self.base)
        self.data_path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = tempfile.NamedTemporaryFile(dir=self.data_path.parent, prefix=".tmp-",
                                                suffix=DATA_EXT, delete=False)

    def write(self, samples: np.ndarray) -> None:
        x = np.asarray(samples)
        if x.ndim != 1 or not np.iscomplexobj(x):
            raise RecordingError(f"{self.data_path}: write expects a 1-D complex array, got {x.dtype}{x.shape}")
        if not np.isfinite(x).all():
            raise RecordingError(f"{self.data_path}: refusing to write NaN or Inf samples")
        self._tmp.write(_from_complex64(x, self.datatype).tobytes())
        self._count += x.size

    def close(self) -> RecordingInfo:
        """Commit: flush and rename the data, then write the metadata atomically."""
        self._tmp.flush()
        os.fsync(self._tmp.fileno())
        self._tmp.close()
        if self._count == 0:
            os.unlink(self._tmp.name)
            raise RecordingError(f"{self.data_path}: no samples written; an empty recording is not kept")
        _publish(self._tmp.name, self.data_path)
        atomic_write_text(self.meta_path, self._metadata())
        return _read_sigmf_info(self.meta_path)

    def abort(self) -> None:
        self._tmp.close()
        try:
            os.unlink(self._tmp.name)
        except FileNotFoundError:
            pass

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def _metadata(self) -> str:
        glob = {sigmf.DATATYPE_KEY: self.datatype, sigmf.SAMPLE_RATE_KEY: float(self.sample_rate),
                sigmf.VERSION_KEY: "1.2.0", sigmf.NUM_CHANNELS_KEY: 1, sigmf.RECORDER_KEY: "foxhunt"}
        if self.hw:
            glob[sigmf.HW_KEY] = self.hw
        if self.description:
            glob[sigmf.DESCRIPTION_KEY] = self.description
        if self.geolocation:
            glob[sigmf.GEOLOCATION_KEY] = self.geolocation.to_geojson()
        glob.update(self.extra_global)
        capture = {sigmf.SAMPLE_START_KEY: 0, sigmf.FREQUENCY_KEY: float(self.center_freq)}
        if self.datetime:
            capture[sigmf.DATETIME_KEY] = self.datetime.astimezone(timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%S.%fZ")
        meta = {"global": glob, "captures": [capture], "annotations": list(self.annotations)}
        # The sigmf package holds the schema; a recording we write must pass it.
        SigMFFile(metadata=meta, skip_checksum=True).validate()
        return json.dumps(meta, indent=2, sort_keys=True) + "\n"


def write_recording(base: str | os.PathLike, samples: np.ndarray | Iterable[np.ndarray], *,
                    datatype: str, sample_rate: float, center_freq: float, **meta) -> RecordingInfo:
    """Write samples (one array or an iterable of blocks) as a SigMF recording, atomically."""
    blocks = [samples] if isinstance(samples, np.ndarray) else samples
    with RecordingWriter(base, datatype=datatype, sample_rate=sample_rate, center_freq=center_freq,
                         **meta) as w:
        for b in blocks:
            w.write(b)
    return _read_sigmf_info(w.meta_path)


def atomic_write_text(path: Path, text: str) -> None:
    """Write text under a temporary name beside ``path``, fsync, rename into place."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        _publish(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise



def _publish(tmp: str, final: Path) -> None:
    """Give a temporary file the mode a plain ``open`` would have, then rename it into place."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, final)
