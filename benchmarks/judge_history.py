"""What the channel history costs the worker's verdicts: days of hops from N fixed nodes go into a
store through webmap.ingest (FM hops with licensed stations, a night-only pirate and, at one node,
a night copy on a licensee's channel; GSM hops with three cells), then each target is judged
(``webmap.verdicts.Judge.evaluate``) and timed.

Baseline, measured in the same run on the same store: the same judge with the channel history left
empty (what the worker read before: first/last seen, fixes, identities). Beside it, the naive way
to get just the on-air hours without the channel-history tables: the distinct hours of the
target's own decodes, read from the observations (rows grow with every decode; the tables' do not).

    python benchmarks/judge_history.py [--quick] [--backend sqlite|postgresql] [--nodes 8] [--days 7]
                                       [--every 300]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import Integer, cast, func, select  # noqa: E402

from webmap import devdb, registers  # noqa: E402
from webmap.history import HISTORY_S, ChannelPast  # noqa: E402
from webmap.history_schema import channel_heard, channel_listened  # noqa: E402
from webmap.ingest import Ingest  # noqa: E402
from webmap.nodes import add_node  # noqa: E402
from webmap.schema import observations, targets  # noqa: E402
from webmap.store import open_store  # noqa: E402
from webmap.verdicts import Judge  # noqa: E402
from webmap.wire import read_batch  # noqa: E402

FM = ("freq_hz,pi,ps,name,lat,lon,erp_w,licence_id\n"
      "97700000,1111,ONE,One,31.2,121.44,10000,L-1\n98100000,2222,TWO,Two,31.2,121.44,10000,L-2\n"
      "98700000,13A1,CNR 1,CNR,31.2,121.44,10000,L-3\n99300000,3333,FOUR,Four,31.2,121.44,10000,L-4\n")
LICENSED = {97.7e6: "1111", 98.1e6: "2222", 98.7e6: "13A1", 99.3e6: "3333"}
NIGHT = (22, 23, 0, 1, 2, 3)
T0 = 1795132800.0   # 2026-11-20 00:00 UTC


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"


def _obs(kind, t, pos, center, payload):
    return {"id": str(uuid.uuid4()), "kind": kind, "time": _iso(t), "position": pos,
            "hop": {"center_freq_hz": center, "sample_rate_hz": 2.4e6, "gain_db": None, "dwell_s": 1.0,
                    "band": "fm" if center < 200e6 else "gsm900"}, "payload": payload}


def _fm(freq, pi, clock, exciter=0.05, snr=35.0, stereo=True):
    rds = {"pi": pi, "ps": f"PS {pi}", "rt": None, "pty": 1, "block_error_rate": 0.02}
    return {"freq_hz": freq, "power_dbfs": -30.0, "snr_db": snr, "occupied_bw_hz": 180e3, "peak_deviation_hz": 70e3,
            "stereo": stereo, "rds": rds, "pilot_freq_error_hz": clock + exciter if stereo else None}


def hop_batches(node: int, n_nodes: int, days: float, every_s: float):
    """The node's wire batches: one per hop time, an FM hop and a GSM hop."""
    pos = {"lat": 31.15 + 0.1 * node / n_nodes, "lon": 121.44, "alt_m": None, "speed_m_s": 0.0, "heading_deg": None,
           "fix": "surveyed", "source": "config"}
    clock = 0.8 * (node / max(1, n_nodes - 1) - 0.5)
    t = T0 + node * 7.0
    while t < T0 + days * 86400:
        hour = int((t - T0) // 3600 % 24)
        stations = [(f, pi) for f, pi in LICENSED.items()]
        fm = [_obs("fm_station", t, pos, 98.5e6, _fm(f, pi, clock)) for f, pi in stations]
        if hour in NIGHT:
            fm.append(_obs("fm_station", t, pos, 98.5e6, _fm(99.1e6, "BEEF", clock)))
            if node == 0:   # a copy of the licensee's PI with its own exciter, heard near node 0 at night
                fm[2] = _obs("fm_station", t, pos, 98.5e6, _fm(98.7e6, "13A1", clock, exciter=3.0, snr=45.0))
        gsm = [_obs("gsm_cell", t + 2, pos, 947e6, {
            "arfcn": a, "freq_hz": 935e6 + 0.2e6 * a, "bsic": {"ncc": 1, "bcc": a % 8}, "mcc": "460", "mnc": "00",
            "lac": 4361, "cell_id": 20000 + a, "neighbours": [60, 62], "si_types": ["SI3"], "power_dbfs": -35.0,
            "snr_db": 20.0}) for a in (58, 60, 62)]
        yield {"version": 1, "node_id": f"n{node}", "sent_at": _iso(t), "observations": fm + gsm}
        t += every_s


def timed(fn, repeat: int) -> float:
    """Median wall milliseconds of ``fn()``."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1e3)
    return statistics.median(out)


def bench(backend: str, url: str, args) -> None:
    store = open_store(url)
    registers.load(store, "fm", FM, "bench-fm.csv")
    ingest = Ingest(store, group_commit=False)
    nodes = [add_node(store, f"n{i}")[0] for i in range(args.nodes)]
    started, n_obs = time.perf_counter(), 0
    for i, node in enumerate(nodes):
        for body in hop_batches(i, args.nodes, args.days, args.every):
            n_obs += ingest.store_batch(node, read_batch(body))["stored"]
    load_s = time.perf_counter() - started
    with store.read() as conn:
        rows = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (observations, channel_listened, channel_heard)}
        judged = conn.execute(select(targets).where(targets.c.kind.in_(("fm", "gsm"))).order_by(targets.c.key)).all()
    print(f"{backend}: {args.nodes} nodes x {args.days:g} days, a hop pair every {args.every:g} s: "
          f"{n_obs} observations stored in {load_s:.1f} s; channel-history rows: "
          f"{rows['channel_listened']} listened, {rows['channel_heard']} heard")
    empty = ChannelPast((), (), None, ())
    print(f"{'target':<34} {'no history':>10} {'cold':>8} {'warm':>8} {'warm/none':>9} {'naive on-air':>12}  fired")
    for t in judged:
        with store.read() as conn:
            with mock.patch("webmap.verdicts.channel_past", lambda *a, **k: empty):
                base = timed(lambda: Judge(store).evaluate(conn, t), args.repeat)
            judge = Judge(store)
            cold = timed(lambda: judge.evaluate(conn, t), 1)
            warm = timed(lambda: judge.evaluate(conn, t), args.repeat)
            decoded = "fm_station" if t.kind == "fm" else "gsm_cell"
            naive = timed(lambda: conn.execute(
                select(cast(observations.c.time / 3600, Integer)).distinct()
                .where(observations.c.target_id == t.id, observations.c.kind == decoded,
                       observations.c.time >= t.last_seen_at - HISTORY_S)).all(), args.repeat)
            verdict = judge.evaluate(conn, t)
        rules = sorted(r.rule for r in verdict.reasons if r.rule in (
            "fm.odd_schedule", "fm.fingerprint_changes", "gsm.recently_appeared"))
        print(f"{t.key:<34} {base:>8.1f}ms {cold:>6.1f}ms {warm:>6.1f}ms {warm / base:>9.2f} "
              f"{naive:>10.1f}ms  {', '.join(rules) or '-'}")
    store.dispose()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="4 nodes, 2 days")
    p.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--nodes", type=int, default=8)
    p.add_argument("--days", type=float, default=7.0)
    p.add_argument("--every", type=float, default=300.0, help="seconds between a node's hop pairs")
    p.add_argument("--repeat", type=int, default=7)
    args = p.parse_args(argv)
    if args.quick:
        args.nodes, args.days, args.repeat = 4, 2.0, 3
    with ExitStack() as stack:
        if args.backend == "postgresql":
            reason = devdb.why_unavailable()
            if reason:
                print(f"postgresql: skipped ({reason})", file=sys.stderr)
                return 0
            url = stack.enter_context(devdb.postgres_cluster())
        else:
            url = f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory()) }/bench.db"
        bench(args.backend, url, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
