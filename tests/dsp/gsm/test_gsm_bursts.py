"""Burst layouts (45.002 §5.2) against the real bursts gr-gsm demodulated from a Vodafone cell."""

import gzip

import numpy as np
import pytest

from dsp.errors import DspError
from dsp.gsm import bursts

REAL = "gsm_vf_call6_bursts/vf_call6_bursts.txt.gz"


def _real_bursts(path):
    with gzip.open(path, "rt") as f:
        for line in f:
            if not line.startswith("#"):
                fn, ts, _arfcn, _dir, _dbm, subtype, bits = line.split()
                yield int(fn), int(ts), int(subtype), np.frombuffer(bits.encode(), np.uint8) - ord("0")


def test_real_bursts_match_spec_sequences(realdata):
    counts = {"dummy": 0, "dummy_ok": 0, "sch": 0, "sch_ok": 0, "ts0": 0, "tsc0": 0}
    for _fn, ts, subtype, bits in _real_bursts(realdata(REAL)):
        if subtype == 7:
            counts["dummy"] += 1
            counts["dummy_ok"] += np.array_equal(bits, bursts.dummy_burst())
        elif subtype == 3:
            counts["sch"] += 1
            counts["sch_ok"] += np.array_equal(bits[42:106], bursts.SCH_TRAINING)
        elif subtype == 6 and ts == 0:
            counts["ts0"] += 1
            counts["tsc0"] += int((bits[61:87] == bursts.TRAINING_SEQUENCES[0]).sum()) >= 24
    # gr-gsm's hard decisions are error-free on every dummy burst; 199 of 209 SCH decode (README).
    assert counts["dummy_ok"] == counts["dummy"] > 8000
    assert counts["sch_ok"] == 199
    assert counts["tsc0"] == 1599 and counts["ts0"] == 1645


def test_normal_burst_layout_and_split_roundtrip():
    rng = np.random.default_rng(1)
    data = rng.integers(0, 2, 114, dtype=np.uint8)
    b = bursts.normal_burst(data, 5)
    assert b.shape == (148,) and b.dtype == np.uint8
    assert not b[:3].any() and not b[145:].any()
    assert b[60] == 1 and b[87] == 1
    np.testing.assert_array_equal(b[61:87], bursts.TRAINING_SEQUENCES[5])
    d, s = bursts.split_normal(b)
    np.testing.assert_array_equal(d, data)
    np.testing.assert_array_equal(s, [1, 1])
    soft = (b.astype(np.float32) * 2 - 1) * 3
    d2, _ = bursts.split_normal(soft)
    assert d2.dtype == np.float32
    np.testing.assert_array_equal(d2 > 0, data == 1)


def test_sch_burst_roundtrip_and_fcch():
    data = np.arange(78, dtype=np.uint8) % 2
    b = bursts.sch_burst(data)
    np.testing.assert_array_equal(bursts.split_sch(b), data)
    np.testing.assert_array_equal(b[42:106], bursts.SCH_TRAINING)
    assert bursts.FCCH_BURST.shape == (148,) and not bursts.FCCH_BURST.any()
    assert bursts.TRAINING_SEQUENCES.shape == (8, 26)


@pytest.mark.parametrize(
    "call",
    [
        lambda: bursts.normal_burst(np.zeros(113, np.uint8), 0),
        lambda: bursts.normal_burst(np.zeros(114, np.uint8), 8),
        lambda: bursts.normal_burst(np.full(114, 2, np.uint8), 0),
        lambda: bursts.sch_burst(np.zeros(77, np.uint8)),
        lambda: bursts.split_normal(np.zeros(147, np.float32)),
        lambda: bursts.split_sch(np.array(["x"] * 148)),
    ],
)
def test_bad_input_raises_dsp_error(call):
    with pytest.raises(DspError):
        call()
