"""GSM test fixtures: the real Vodafone DCS-1800 bursts gr-gsm demodulated (realdata section 2)."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from dsp.gsm import bursts, multiframe

VF_DIR = "gsm_vf_call6_bursts"


@dataclass(frozen=True)
class RealBursts:
    """Bursts of one capture: ``bits[(fn, ts)]`` hard bits uint8[148]; ``subtype[(fn, ts)]`` GSMTAP burst type."""

    bits: dict  # the file repeats FN 861003..862492 bit-identically; one copy is kept
    subtype: dict
    expected_bcch: list  # (fn, 23-octet block) decoded by gr-gsm on ts0
    expected_sch: list  # (fn, ncc, bcc, t1, t2, t3p) decoded by libosmocoding

    def ts0_blocks(self) -> list:
        """(fn, soft float32[4, 114]) of every complete 4-burst BCCH/CCCH block on ts0, in time order."""
        starts = (multiframe.BCCH_NORM_FIRST, *multiframe.CCCH_FIRST_NONCOMBINED)
        out = []
        for fn in sorted(fn for fn, ts in self.bits if ts == 0 and fn % 51 in starts):
            keys = [(fn + i, 0) for i in range(4)]
            if all(k in self.bits and self.subtype[k] == 6 for k in keys):
                hard = np.stack([bursts.split_normal(self.bits[k])[0] for k in keys])
                out.append((fn, hard.astype(np.float32) * 2 - 1))
        return out


@lru_cache(maxsize=1)
def _load(directory: Path) -> RealBursts:
    bits, subtype = {}, {}
    with gzip.open(directory / "vf_call6_bursts.txt.gz", "rt") as f:
        for line in f:
            if line.startswith("#"):
                continue
            fn, ts, _arfcn, _dir, _dbm, st, b = line.split()
            key = (int(fn), int(ts))
            bits[key] = np.frombuffer(b.encode(), np.uint8) - ord("0")
            subtype[key] = int(st)
    bcch = []
    for line in (directory / "expected" / "BCCH_ts0.grgsm_messages.txt").read_text().splitlines():
        head, _, hexes = line.partition(":")
        bcch.append((int(head.split()[0]), bytes.fromhex(hexes)))
    sch = []
    for line in (directory / "expected" / "SCH_ts0.libosmocoding_decode.txt").read_text().splitlines():
        if "ncc=" not in line:
            continue
        fields = dict(kv.split("=") for kv in line.split()[2:])
        sch.append((int(line.split()[0]), *(int(fields[k]) for k in ("ncc", "bcc", "t1", "t2", "t3p"))))
    return RealBursts(bits, subtype, bcch, sch)


@pytest.fixture
def vf_bursts(realdata) -> RealBursts:
    """The 17 073 real bursts of the Vodafone cell with gr-gsm's / libosmocoding's decodes (or skip)."""
    return _load(realdata(VF_DIR))
