"""One simulated demo node, run in its own process: the sensors package's pieces (sim source,
edge decoders, observations, spool, uplink) on a tight, duty-cycled plan, posting over HTTP to
the central station like any field node.

The node runs :meth:`sensors.node.Node.run` over the demo's own hops: its tight plan and an idle
gap between cycles (city time that renders no IQ) fit minutes of city time into the wall-clock
budget.
"""

from __future__ import annotations

import logging
import math
import os
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from foxhunt.demo.client import StationClient
from foxhunt.demo.gain import HopGains
from foxhunt.demo.plan import demo_plan
from foxhunt.demo.vehicle import DemoSimSource, Guide
from sensors.node import Node, NodeConfig
from sensors.plan import PlannedHop
from sensors.scenario import load_scenario
from sensors.wire import Position

log = logging.getLogger(__name__)
NICE = 10


@dataclass(frozen=True)
class NodeSpec:
    """Everything a node process needs (picklable: it crosses the process boundary)."""

    node_id: str
    index: int
    scenario_path: str
    start_unix: float          # the wall-clock time the scenario's t = 0 is mapped to
    t0_s: float                # first and last city time (seconds after the scenario start)
    t1_s: float
    cycle_s: float             # one scan cycle per this much city time
    fm_per_cycle: int
    sample_rate: float
    url: str
    token: str
    spool: str
    crew: tuple[str, str] | None = None   # a vehicle's login (user, password) for approach guidance


@dataclass(frozen=True)
class NodeProgress:
    """What a node reports to the demo's progress line after each hop, and once at the end."""

    node_id: str
    t_s: float
    hops: int
    observations: int
    guidance: str | None = None
    done: bool = False
    unsent: int = 0            # at the end: observations the station never acknowledged
    error: str | None = None   # the node crashed


def _scenario(spec: NodeSpec):
    sc = load_scenario(spec.scenario_path)
    return replace(sc, start=datetime.fromtimestamp(spec.start_unix, tz=timezone.utc))


def run_node(spec: NodeSpec, events) -> None:
    """Process entry point: scan from ``t0_s`` to ``t1_s`` of city time, then drain the spool.

    Niced as the station's locator process is: in the field nodes run on their own computers, here
    the simulated city must not starve the station it reports to."""
    os.nice(NICE)
    logging.basicConfig(level=logging.WARNING)
    try:
        _run(spec, events)
    except Exception as exc:  # reported to the parent, which shows it as this node's failure
        events.put(NodeProgress(spec.node_id, math.nan, 0, 0, done=True,
                                error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}"))


def _run(spec: NodeSpec, events) -> None:
    scenario = _scenario(spec)
    source = DemoSimSource(scenario, spec.node_id, t0_s=spec.t0_s, sample_rate=spec.sample_rate)
    gains = HopGains()
    sim = scenario.node(spec.node_id)
    fixed = None if sim.route is not None else Position(sim.lat, sim.lon, alt_m=sim.alt_m, speed_m_s=0.0,
                                                         fix="surveyed", source="config")
    cfg = NodeConfig(path=Path(spec.spool), node_id=spec.node_id, source=source.name, sample_rate=spec.sample_rate,
                     gain_db=gains.gain(0.0), ppm=0.0, full_scale_dbm=sim.full_scale_dbm, bands=("gsm900", "fm", "air"),
                     position=fixed, gps=None, spool=Path(spec.spool), record_dir=None, health_interval_s=60.0,
                     url=spec.url, token=spec.token, batch_size=200, timeout_s=10.0)
    node = Node(cfg, source=source)
    guide = Guide(StationClient(spec.url, *spec.crew), spec.node_id) if spec.crew and source.route else None
    plan = demo_plan(scenario, spec.sample_rate, source.max_freq_hz)
    said: list[str | None] = [None]

    def hops() -> Iterator[PlannedHop]:
        k = 0
        while source.time_s < spec.t1_s:
            cycle_start = source.time_s
            if guide is not None:
                said[0] = _steer(guide, source)
            for hop in plan.cycle(k, spec.index, spec.fm_per_cycle):
                source.set_gain(gains.gain(hop.center_hz))
                yield hop
            k += 1
            source.skip_to(cycle_start + spec.cycle_s)

    sent = [0]

    def progress(result, obs) -> None:
        gains.update(result)
        sent[0] += len(obs)
        events.put(NodeProgress(spec.node_id, result.start - spec.start_unix, node.hops_done, sent[0], said[0]))

    left = node.run(hops=hops(), on_result=progress, drain_s=30.0)
    events.put(NodeProgress(spec.node_id, source.time_s, node.hops_done, sent[0], said[0], done=True, unsent=left))


def _steer(guide: Guide, source: DemoSimSource) -> str | None:
    """Point the vehicle at the station's next waypoint; a line for the progress display."""
    got = guide.waypoint()
    if got is None:
        return "patrolling its route" if not source.route.guided else guide_text(guide, None)
    lat, lon, state = got
    source.route.steer(source.time_s, lat, lon)
    return guide_text(guide, state)


def guide_text(guide: Guide, state: dict | None) -> str:
    label = guide.target["key"] if guide.target else "?"
    if state is None or state.get("distance_m") is None:
        return f"approaching {label}"
    return f"approaching {label}: {state['distance_m']:.0f} m, bearing {state['bearing_deg']:.0f}°, {state['trend']}"
