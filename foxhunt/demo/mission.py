"""The demo mission: station up, nodes registered, registers loaded, node processes started,
progress shown, then the operator's part (cases for rogue targets, notifications), the summary and
the map."""

from __future__ import annotations

import multiprocessing
import queue
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import recordings
from foxhunt.demo import summary
from foxhunt.demo.client import StationClient, StationError
from foxhunt.demo.mapfile import write_map
from foxhunt.demo.node import NodeProgress, NodeSpec, run_node
from foxhunt.demo.station import DemoStation
from sensors.scenario import load_scenario

#: City time the demo starts at: the pseudo base station is on air (from 30 s) and the van's
#: patrol is about to cross its street.
START_S = 120.0
#: One scan cycle per node every this much city time (sensors.plan.MAX_GSM_REVISIT_S); idle between.
CYCLE_S = 10.0
FM_PER_CYCLE = 2
SAMPLE_RATE = 2.4e6
OPERATOR, CREW = "demo", "van-crew"


@dataclass(frozen=True)
class Outcome:
    rows: tuple[summary.Row, ...]
    map_url: str
    out_dir: Path | None
    cases: tuple[dict, ...]
    wall_s: float


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run(minutes: float, *, port: int = 0, out_dir: Path | None = None, serve: bool = False,
        keep_data: bool = False, scenario_path: Path | None = None) -> Outcome:
    """The whole demo; with ``serve`` the station keeps serving until Ctrl-C before returning.
    The station's data folder is deleted at the end unless ``keep_data``."""
    wall0 = time.monotonic()
    scenario_path = scenario_path or recordings.path("demo_city.toml")
    scenario = load_scenario(scenario_path)
    data_dir = Path(tempfile.mkdtemp(prefix="foxhunt-demo-"))
    # The city's clock is mapped so that its last simulated second is about now: the map's live
    # window shows it, and no observation lies in the future.
    start_unix = time.time() - START_S - minutes * 60.0
    scenario = replace(scenario, start=datetime.fromtimestamp(start_unix, tz=timezone.utc))
    station = None
    try:
        station = DemoStation(data_dir, port)
        say(f"foxhunt demo: {scenario.name}; central station on {station.url} (SQLite in {data_dir})")
        station.load_registers(recordings.path("demo_city_cells.csv"), recordings.path("demo_city_fm.csv"))
        password = station.add_user(OPERATOR, "coordinator")
        crew = (CREW, station.add_user(CREW, "field"))
        specs = [NodeSpec(n.id, i, str(scenario_path), start_unix, START_S, START_S + minutes * 60.0, CYCLE_S,
                          FM_PER_CYCLE, SAMPLE_RATE, station.url, station.register_node(n.id),
                          str(data_dir / "spool" / f"{n.id}.db"), crew if n.kind == "vehicle" else None)
                 for i, n in enumerate(scenario.nodes)]
        operator = StationClient(station.url, OPERATOR, password)
        _run_nodes(specs, operator, minutes)
        if not station.settle():
            say("foxhunt demo: the re-location worker has not caught up; the summary shows the fixes so far")
        cases = _operator(operator)
        targets = operator.get("/api/v1/targets?limit=1000")["targets"]
        rows = tuple(summary.rows(scenario, targets, _related_carriers(operator, targets)))
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            summary.write_json(out_dir / "summary.json", list(rows))
            write_map(out_dir, operator, scenario)
            _save_notifications(operator, cases, out_dir / "cases")
        print(summary.table(list(rows)))
        map_url = f"{station.url}/map"
        outcome = Outcome(rows, map_url, out_dir, tuple(cases), time.monotonic() - wall0)
        say(f"foxhunt demo: {minutes:g} min of city time in {outcome.wall_s:.0f} s")
        if out_dir is not None:
            say(f"foxhunt demo: wrote {out_dir / 'summary.json'}, {out_dir / 'map.html'} and "
                f"{len(cases)} case notification(s) in {out_dir / 'cases'}")
        if serve:
            say(f"foxhunt demo: the map is at {map_url} — log in as {OPERATOR!r} with password {password!r}; "
                "Ctrl-C stops the station")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                say("foxhunt demo: stopping")
        return outcome
    finally:
        if station is not None:
            station.close()
        if keep_data:
            say(f"foxhunt demo: the station's data stay in {data_dir} (foxhunt serve --data {data_dir})")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def _run_nodes(specs: list[NodeSpec], operator: StationClient, minutes: float) -> None:
    """One process per node (spawned: this process runs server threads); a progress line on
    stderr every few seconds until every node has finished and drained its spool."""
    ctx = multiprocessing.get_context("spawn")
    events = ctx.Queue()
    procs = [ctx.Process(target=run_node, args=(s, events), name=f"node-{s.node_id}", daemon=True) for s in specs]
    for p in procs:
        p.start()
    latest: dict[str, NodeProgress] = {}
    failures: list[str] = []
    next_line = time.monotonic() + 5.0
    try:
        while len([p for p in latest.values() if p.done]) < len(specs):
            try:
                ev = events.get(timeout=1.0)
                latest[ev.node_id] = ev
                if ev.done and ev.error:
                    failures.append(f"{ev.node_id}: {ev.error}")
                    say(f"foxhunt demo: node {ev.node_id}: {ev.error}")
                elif ev.done and ev.unsent:
                    say(f"foxhunt demo: node {ev.node_id}: {ev.unsent} observations not acknowledged in time")
            except queue.Empty:
                if not any(p.is_alive() for p in procs):
                    break
            if time.monotonic() >= next_line:
                next_line = time.monotonic() + 5.0
                say(_progress(latest, specs, operator, minutes))
    finally:
        for p in procs:
            p.join(timeout=60.0)    # a finished node may still be flushing its queue under load
            if p.is_alive():
                p.terminate()
    finished = {n for n, ev in latest.items() if ev.done}
    lost = [s.node_id for s, p in zip(specs, procs) if s.node_id not in finished and p.exitcode != 0]
    if lost or failures:
        raise StationError(f"node process(es) failed: {'; '.join(failures + [f'{n}: exited without finishing' for n in lost])}")


def _progress(latest: dict[str, NodeProgress], specs: list[NodeSpec], operator: StationClient, minutes: float) -> str:
    done_s = [min(p.t_s, specs[0].t1_s) - specs[0].t0_s for p in latest.values() if p.t_s == p.t_s]
    city = min(done_s) if len(done_s) == len(specs) else 0.0
    found = operator.get("/api/v1/targets?limit=1000")["targets"]
    n_targets = len(found)
    n_rogue = sum(1 for t in found if (t.get("verdict") or {}).get("class") == "rogue")
    hops = sum(p.hops for p in latest.values())
    van = next((p.guidance for p in latest.values() if p.guidance), None)
    line = (f"  city {city / 60:4.1f}/{minutes:g} min · {hops} hops · {sum(p.observations for p in latest.values())} "
            f"observations · {n_targets} targets, {n_rogue} rogue")
    return line + (f" · van: {van}" if van else "")


def _operator(client: StationClient) -> list[dict]:
    """What the coordinator does at the end: a case for every rogue target, marked located on its
    fix, and its notification issued."""
    cases = []
    for t in client.get("/api/v1/targets?limit=1000")["targets"]:
        if (t.get("verdict") or {}).get("class") != "rogue":
            continue
        case = client.send("POST", f"/api/v1/targets/{t['id']}/case")
        if t.get("fix") and case["state"] == "new":
            case = client.send("PATCH", f"/api/v1/cases/{case['id']}", {"state": "located"})
        if case["state"] == "located":
            client.send("POST", f"/api/v1/cases/{case['id']}/notification")
        cases.append({"id": case["id"], "target": t["key"], "state": case["state"]})
    return cases


def _related_carriers(client: StationClient, targets: list[dict]) -> dict[int, float]:
    """Per air-band target, the carrier its readings relate it to (summary.related_carrier)."""
    out = {}
    for t in targets:
        if t["kind"] == "air":
            obs = client.get(f"/api/v1/observations?target={t['id']}&kind=power&limit=1000")["observations"]
            carrier = summary.related_carrier([o["observation"] for o in obs])
            if carrier is not None:
                out[t["id"]] = carrier
    return out


def _save_notifications(client: StationClient, cases: list[dict], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for c in cases:
        if c["state"] != "located":
            continue
        for ext in ("json", "html", "pdf"):
            (folder / f"case-{c['id']}.{ext}").write_bytes(
                client.get_bytes(f"/api/v1/cases/{c['id']}/notification.{ext}"))

