"""Ingest load: N simulated nodes post wire-format batches to `foxhunt serve` on loopback for a
bounded time; sustained observations/s, p50/p99 latency and errors, on SQLite and PostgreSQL.

The server runs as `foxhunt serve` (waitress, its re-location worker on) in its own process, as in
production. Three phases: (1) paced: the nodes together offer ``--rate`` observations/s, latency
counted from each batch's scheduled time; (2) the baseline, measured in the same run: the same
batches again, every observation now a duplicate, so the server parses, authenticates and validates
as before but writes nothing (the ratio shows what the writes cost); (3) saturated: new batches
back to back, for the most the server sustains. The clients share the machine with the server.
Each phase also reports CPU milliseconds per 1 000 observations of the server (its process tree:
the locator's child too), of the PostgreSQL cluster and of the clients: unlike latency, these do
not depend on what else loads the machine.

    python benchmarks/ingest_load.py [--quick] [--backend sqlite|postgresql|both] [--nodes 16]
                                     [--batch 100] [--rate 6000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from webmap import devdb  # noqa: E402
from webmap.nodes import add_node  # noqa: E402
from webmap.store import open_store  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"


def make_batches(node: str, n_batches: int, size: int, seed: int) -> list[bytes]:
    """Batches like a fixed station's sweep: per GSM channel one decoded cell and its power reading."""
    rng = np.random.default_rng(seed)
    lat, lon = 31.2 + rng.uniform(-0.05, 0.05), 121.45 + rng.uniform(-0.05, 0.05)
    pos = {"lat": lat, "lon": lon, "alt_m": 20.0, "speed_m_s": 0.0, "heading_deg": None,
           "fix": "surveyed", "source": "config"}
    out, t = [], time.time() - 3600
    for _ in range(n_batches):
        obs = []
        while len(obs) < size:
            arfcn = int(rng.integers(1, 124))
            freq = 935e6 + 0.2e6 * arfcn
            hop = {"center_freq_hz": freq, "sample_rate_hz": 2.4e6, "gain_db": 30.0, "dwell_s": 1.0,
                   "band": "gsm900"}
            t += 0.5
            cell = {"arfcn": arfcn, "freq_hz": freq, "bsic": {"ncc": arfcn % 8, "bcc": 3}, "mcc": "460",
                    "mnc": "00", "lac": 4361, "cell_id": 20000 + arfcn, "neighbours": [1, 5, 60],
                    "si_types": ["SI1", "SI3"], "power_dbfs": -40.0, "snr_db": 15.0}
            power = {"freq_hz": freq, "power_dbm": float(rng.normal(-80, 8)), "target": f"gsm-{freq / 1e6:.1f}",
                     "floor": False, "bandwidth_hz": 2e5}
            for kind, payload in (("gsm_cell", cell), ("power", power)):
                obs.append({"id": str(uuid.uuid4()), "kind": kind, "time": _iso(t), "position": pos,
                            "hop": hop, "payload": payload})
        out.append(json.dumps({"version": 1, "node_id": node, "sent_at": _iso(time.time()),
                               "observations": obs[:size]}).encode())
    return out


def _children(pid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if int(Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(d))
            except (OSError, ValueError, IndexError):
                continue
    return out


def tree_cpu(roots: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) of each process under ``roots``, themselves included (Linux /proc;
    empty elsewhere). Per phase, CPU per observation does not depend on what else loads the machine."""
    if not Path("/proc/self/stat").exists():
        return {}
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, float] = {}
    todo = list(roots)
    while todo:
        pid = todo.pop()
        try:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(f[11]) + int(f[12])) / tick
        todo.extend(_children(pid))
    return out


def _cpu_since(before: dict[int, float], roots: list[int]) -> float | None:
    after = tree_cpu(roots)
    return sum(t - before.get(pid, 0.0) for pid, t in after.items()) if after else None


def _postmaster(url: str) -> int | None:
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    try:
        with engine.connect() as conn:   # the backend's parent, read while the backend lives
            backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None
    finally:
        engine.dispose()


def _wait_up(port: int, proc: subprocess.Popen) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with status {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/api/v1/health")
            if c.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start within 60 s")


def run_load(port: int, bodies: dict[str, list[bytes]], tokens: dict[str, str], seconds: float,
             rate: float | None, cpu_of: dict[str, list[int]] | None = None) -> dict:
    """One thread per node, keep-alive. Paced (``rate`` observations/s offered, spread over the
    nodes): latency runs from each batch's *scheduled* send time, so a server that falls behind
    pays for the queue it causes. Unpaced (``rate`` None): batches back to back, for saturation."""
    lat, errors, sent = [], [], [0]
    lock = threading.Lock()
    start = time.perf_counter() + 0.2
    stop_at = start + seconds
    n_nodes = len(bodies)

    def node(idx: int, name: str):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine_lat, mine_err, n_obs = [], [], 0
        size = len(json.loads(bodies[name][0])["observations"])
        period = size * n_nodes / rate if rate else 0.0
        due = start + period * idx / n_nodes          # nodes interleave instead of posting in step
        for body in bodies[name]:
            now = time.perf_counter()
            if rate:
                if due >= stop_at:
                    break
                if due > now:
                    time.sleep(due - now)
                t0, due = due, due + period
            else:
                if now >= stop_at:
                    break
                t0 = now
            try:
                conn.request("POST", "/api/v1/observations", body=body,
                             headers={"Authorization": f"Bearer {tokens[name]}",
                                      "Content-Type": "application/json"})
                resp = conn.getresponse()
                data = resp.read()
            except OSError as exc:
                mine_err.append(repr(exc))
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine_lat.append(time.perf_counter() - t0)
            if resp.status not in (200, 201):
                mine_err.append(f"HTTP {resp.status}: {data[:200]!r}")
                continue
            r = json.loads(data)
            n_obs += r["stored"] + r["duplicates"]
            if r["rejected"]:
                mine_err.append(f"{r['rejected']} rejected")
        with lock:
            lat.extend(mine_lat)
            errors.extend(mine_err)
            sent[0] += n_obs

    cpu_before = {name: tree_cpu(pids) for name, pids in (cpu_of or {}).items()}
    client_before = time.process_time()
    threads = [threading.Thread(target=node, args=(i, n)) for i, n in enumerate(bodies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = max(time.perf_counter(), stop_at) - start
    cpu = {name: _cpu_since(cpu_before[name], pids) for name, pids in (cpu_of or {}).items()}
    cpu["client"] = time.process_time() - client_before
    a = np.array(lat) * 1e3 if lat else np.array([np.nan])
    return {"offered_obs_per_s": rate, "obs_per_s": sent[0] / elapsed, "observations": sent[0],
            "requests": len(lat), "p50_ms": float(np.percentile(a, 50)), "p90_ms": float(np.percentile(a, 90)),
            "p99_ms": float(np.percentile(a, 99)), "max_ms": float(a.max()), "errors": len(errors),
            "first_error": errors[0] if errors else None, "elapsed_s": elapsed,
            "cpu_ms_per_1000_obs": {k: None if v is None or not sent[0] else 1e6 * v / sent[0] for k, v in cpu.items()}}


def bench(backend: str, url: str, args) -> dict:
    store = open_store(url)
    names = [f"bench-{i:02d}" for i in range(args.nodes)]
    tokens = {n: add_node(store, n)[1] for n in names}
    store.dispose()
    # enough batches for a generous 8 000 obs/s per run; what is not sent is never counted
    per_node = int(np.ceil(args.rate * args.seconds / args.nodes / args.batch)) + 2
    bodies = {n: make_batches(n, per_node, args.batch, seed=i) for i, n in enumerate(names)}
    # fresh batches for the saturation run: up to 3x the offered rate
    more = {n: make_batches(n, 6 * per_node, args.batch, seed=100 + i) for i, n in enumerate(names)}
    port = _free_port()
    with tempfile.TemporaryDirectory() as data:
        log = open(Path(data) / "serve.log", "wb")   # a pipe nobody reads would block the server when full
        cfg = Path(data) / "serve.toml"
        cfg.write_text(f"node_obs_per_s = 1e6\nnode_obs_burst = 1e6\nnode_requests_per_s = 1e4\n"
                       f"threads = {args.threads}\nrelocate = {str(not args.no_relocate).lower()}\n"
                       f'sqlite_synchronous = "{args.sqlite_synchronous}"\n')
        serve = [sys.executable, "-m", "foxhunt", "serve", "--db", url, "--data", data, "--port", str(port),
                 "--config", str(cfg)]
        proc = subprocess.Popen(serve + (["--no-worker"] if args.split else []),
                                cwd=REPO, stdout=subprocess.DEVNULL, stderr=log)
        worker = subprocess.Popen(serve + ["--worker-only"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=log) \
            if args.split else None
        cpu_of = {"server": [proc.pid] + ([worker.pid] if worker else [])}
        if backend == "postgresql":
            postmaster = _postmaster(url)
            if postmaster is not None:
                cpu_of["postgres"] = [postmaster]
        try:
            _wait_up(port, proc)
            # warm-up, not counted: targets created, the re-location worker's process started
            run_load(port, {n: b[-len(b) // 3:] for n, b in more.items()}, tokens, 2.0, args.rate)
            time.sleep(2.0)
            fresh = run_load(port, bodies, tokens, args.seconds, args.rate, cpu_of)
            resent = run_load(port, bodies, tokens, args.seconds, args.rate, cpu_of)
            saturated = run_load(port, {n: b[: 2 * len(b) // 3] for n, b in more.items()}, tokens, args.seconds,
                                 None, cpu_of)
        finally:
            for p in (proc, worker):
                if p is not None:
                    p.terminate()
                    p.wait(20)
            log.close()
            text = (Path(data) / "serve.log").read_text(errors="replace")
    if "Traceback" in text:
        kept = Path(tempfile.gettempdir()) / f"foxhunt-ingest-load-{backend}.log"
        kept.write_text(text)
        print(f"{backend}: the server logged {text.count('Traceback')} tracebacks (log kept in {kept})",
              file=sys.stderr)
    return {"backend": backend, "fresh": fresh, "duplicates_baseline": resent, "saturated": saturated}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="3 s per phase, SQLite only unless --backend")
    p.add_argument("--backend", choices=("sqlite", "postgresql", "both"))
    p.add_argument("--nodes", type=int, default=16)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--rate", type=float, default=6000.0, help="offered observations/s over all nodes")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--threads", type=int, default=8, help="server WSGI threads")
    p.add_argument("--no-relocate", action="store_true", help="server without its re-location worker")
    p.add_argument("--sqlite-synchronous", default="FULL", choices=("FULL", "NORMAL"),
                   help="FULL (default): each acknowledged batch fsynced; NORMAL: survives a killed server, "
                        "not a power cut")
    p.add_argument("--split", action="store_true",
                   help="the worker as its own process (serve --no-worker + serve --worker-only)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if args.quick:
        args.seconds = min(args.seconds, 3.0)
    backends = {"sqlite": ["sqlite"], "postgresql": ["postgresql"], "both": ["sqlite", "postgresql"],
                None: ["sqlite"] if args.quick else ["sqlite", "postgresql"]}[args.backend]
    print(f"# {args.nodes} nodes x {args.batch} observations/batch, offered {args.rate:g} obs/s, "
          f"{args.seconds:g} s per phase, "
          f"server threads {args.threads}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}", file=sys.stderr)
    results = []
    with ExitStack() as stack:
        for backend in backends:
            if backend == "sqlite":
                tmp = stack.enter_context(tempfile.TemporaryDirectory())
                url = f"sqlite:///{tmp}/bench.db"
            else:
                reason = devdb.why_unavailable()
                if reason:
                    print(f"postgresql: skipped ({reason})", file=sys.stderr)
                    continue
                url = stack.enter_context(devdb.postgres_cluster(fsync=True))
            results.append(bench(backend, url, args))
    if args.json:
        print(json.dumps(results, indent=1))
    for r in results:
        f, d, x = r["fresh"], r["duplicates_baseline"], r["saturated"]
        for label, m in (("paced, new", f), ("paced, dups", d), ("saturated", x)):
            print(f"{r['backend']:<10} {label:<12} {m['obs_per_s']:7.0f} obs/s  p50 {m['p50_ms']:6.1f} ms  "
                  f"p90 {m['p90_ms']:6.1f}  p99 {m['p99_ms']:6.1f}  max {m['max_ms']:6.1f} ms  errors {m['errors']}"
                  + (f"  (first: {m['first_error']})" if m["errors"] else ""))
            cpu = m["cpu_ms_per_1000_obs"]
            print(f"{'':<10} {'':<12} CPU per 1000 obs: " + ", ".join(
                f"{k} {v:.0f} ms" for k, v in cpu.items() if v is not None))
        print(f"{r['backend']:<10} ratios: new/dups p99 {f['p99_ms'] / d['p99_ms']:.2f} (what the writes add); "
              f"saturated/offered throughput {x['obs_per_s'] / args.rate:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
