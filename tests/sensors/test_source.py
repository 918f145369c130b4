"""``--source`` specs and how a replayed folder shapes the scan plan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sensors.errors import SourceError
from sensors.plan import PlanError, plan_band
from sensors.recording import write_recording
from sensors.replay import ReplaySource
from sensors.scan import plan_for_source
from sensors.sim import SimSource
from sensors.source import open_source

DEMO = Path(__file__).resolve().parents[2] / "recordings" / "demo_city.toml"


@pytest.mark.parametrize("spec, message", [
    ("rtlsdr:x", "rtlsdr:N with N a device index"),
    ("sigmf:", "expected sigmf:PATH"),
    ("sim:", "expected sim:SCENARIO"),
    ("airspy", "expected rtlsdr"),
])
def test_bad_specs(spec, message):
    with pytest.raises(SourceError, match=message):
        open_source(spec)


def test_sim_spec_names_the_node_after_the_last_colon():
    src = open_source(f"sim:{DEMO}:van-01", sample_rate=2.4e6)
    assert isinstance(src, SimSource) and src.node.id == "van-01"
    assert open_source(f"sim:{DEMO}").node.id == "xh-xujiahui"     # the first node by default
    assert open_source(f"sim:{DEMO}:van-01@600").time_s == 600.0
    with pytest.raises(SourceError, match="@soon is not a number"):
        open_source(f"sim:{DEMO}@soon")


def test_replayed_hops_become_the_plan(tmp_path):
    for f in (937.0e6, 939.0e6, 98.0e6):
        write_recording(tmp_path / f"h{f:.0f}", np.zeros(1000, np.complex64), datatype="cu8",
                        sample_rate=2.4e6, center_freq=f)
    with ReplaySource(tmp_path) as src:
        plan = plan_for_source(plan_band("gsm900"), src)
        assert [h.center_hz for h in plan.hops] == [937.0e6, 939.0e6]
        assert plan.hops[0].hi_hz - plan.hops[0].lo_hz == pytest.approx(0.8 * 2.4e6)
        with pytest.raises(PlanError, match="no recorded hop inside the air band"):
            plan_for_source(plan_band("air"), src)
