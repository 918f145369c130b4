"""``foxhunt decode fm RECORDING [--json] [--audio DIR]``: every FM station and aeronautical-band
spurious emission in a capture (the ``fm`` mode of ``foxhunt decode``; JSON per INTERFACES.md)."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import wave
from pathlib import Path
from typing import TYPE_CHECKING

from dsp.bands import BANDS
from foxhunt.recording_args import add_recording_args, open_from_args, recording_json

if TYPE_CHECKING:
    from dsp.fm.analyse import AnalysisOptions, FmAnalysis, StationAudio
    from sensors.recording import Recording


def register_mode(modes: argparse._SubParsersAction) -> None:
    p = modes.add_parser("fm", help="every FM station (and aviation-band spurious emission) in a recording",
                         description="Measure every FM broadcast station in a recording: frequency and "
                                     "raster offset, power, SNR, occupied bandwidth (99 %% and -26 dB), "
                                     "deviation, pilot, stereo, RDS, looped programme; and trace emissions "
                                     "in 108-137 MHz to the stations.")
    add_recording_args(p)
    p.add_argument("--json", action="store_true", help="the decode fm JSON of INTERFACES.md on stdout")
    p.add_argument("--audio", metavar="DIR", type=Path,
                   help="write each station's de-emphasised mono audio as DIR/<MHz>.wav (16-bit)")
    p.add_argument("--deemphasis", type=float, choices=(50.0, 75.0), default=50.0, metavar="US",
                   help="de-emphasis time constant in µs: 50 (Europe, China) or 75 (Americas); default 50")
    p.add_argument("--audio-seconds", type=_positive, default=30.0, metavar="S",
                   help="length of each audio clip (default 30 s)")
    p.add_argument("--raster", choices=sorted(k for k in BANDS if k.startswith("FM")), default="FM-CN",
                   help="broadcast band whose 100 kHz raster offsets are reported against (default FM-CN)")
    p.add_argument("--no-rds", action="store_true", help="skip RDS decoding")
    p.set_defaults(func=run)


def _positive(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = -1.0
    if not v > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return v


def analyse_recording(rec: Recording, opts: AnalysisOptions) -> FmAnalysis:
    """Every FM station and spurious emission in ``rec``, streamed from disk (``check fm`` reuses it)."""
    from dsp.fm.analyse import analyse

    info = rec.info
    return analyse(rec.read, info.n_samples, info.sample_rate, info.center_freq, opts)


def run(args: argparse.Namespace) -> int:
    from dsp.fm.analyse import AnalysisOptions

    rec = open_from_args(args)
    opts = AnalysisOptions(deemphasis_us=args.deemphasis, audio_seconds=args.audio_seconds,
                           decode_rds=not args.no_rds, raster_band=BANDS[args.raster])
    result = analyse_recording(rec, opts)
    if args.audio is not None:
        for clip in result.audio:
            write_wav(args.audio / f"{clip.freq_hz / 1e6:.4f}MHz.wav", clip)
    recording = recording_json(rec)
    if args.json:
        print(json.dumps(to_json(recording, result)))
    else:
        print(table(recording, result))
    return 0


def to_json(recording: dict, result: FmAnalysis) -> dict:
    return {"recording": recording,
            "stations": [s.to_json() for s in result.stations],
            "spurious": [s.to_json() for s in result.spurious]}


def write_wav(path: Path, clip: StationAudio) -> None:
    """16-bit mono WAV, written to a temporary name and renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".wav", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh, wave.open(fh, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(int(round(clip.sample_rate)))
            w.writeframes(clip.samples.astype("<i2").tobytes())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; evidence is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _f(x, fmt: str, scale: float = 1.0) -> str:
    return "-" if x is None else format(x / scale, fmt)


def table(recording: dict, result: FmAnalysis) -> str:
    lines = [f"{recording['center_freq'] / 1e6:.4f} MHz, {recording['sample_rate'] / 1e6:g} MS/s, "
             f"{recording['duration_s']:.2f} s: {len(result.stations)} FM station(s), "
             f"{len(result.spurious)} aviation-band emission(s)"]
    if result.stations:
        lines.append(f"{'MHz':>9} {'off kHz':>8} {'dBFS':>6} {'SNR':>5} {'OBW99 kHz':>9} {'-26dB':>6} "
                     f"{'dev kHz':>7} {'p99.9':>6} {'MPX dBr':>7} {'st':>2} {'pilot Hz':>8} "
                     f"{'PI':>4} {'PS':8} {'loop s':>6}  flags")
        for s in result.stations:
            rds = s.rds
            lines.append(
                f"{s.freq_hz / 1e6:9.4f} {s.freq_offset_hz / 1e3:8.2f} {s.power_dbfs:6.1f} {s.snr_db:5.1f} "
                f"{_f(s.occupied_bw_hz, '9.1f', 1e3)} {_f(s.occupied_bw_xdb_hz, '6.1f', 1e3)} "
                f"{_f(s.peak_deviation_hz, '7.1f', 1e3)} {_f(s.deviation_p999_hz, '6.1f', 1e3)} "
                f"{_f(s.mpx_power_dbr, '7.1f')} {'Y' if s.stereo else 'N':>2} "
                f"{_f(s.pilot_freq_error_hz, '+8.2f')} {rds.pi if rds else '-':>4} "
                f"{(rds.ps if rds and rds.ps else '-'):8} {_f(s.loop_period_s, '6.1f')}  {','.join(s.flags)}")
    for sp in result.spurious:
        culprit = f"{sp.related_to_hz / 1e6:.4f} MHz" if sp.related_to_hz else "unexplained"
        lines.append(f"spurious {sp.freq_hz / 1e6:.4f} MHz {sp.power_dbfs:.1f} dBFS: {sp.mechanism or '-'} "
                     f"← {culprit}" + (f" (audio r={sp.correlation:.2f})" if sp.correlation is not None else ""))
    return "\n".join(lines)

