"""Counters and a latency histogram in the Prometheus text exposition format (version 0.0.4)."""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

_HELP = {
    "foxhunt_ingest_requests_total": ("counter", "Ingest requests by HTTP status."),
    "foxhunt_observations_total": ("counter", "Observations received by result."),
    "foxhunt_relocations_total": ("counter", "Re-location runs by outcome."),
    "foxhunt_ingest_seconds": ("histogram", "Ingest request latency."),
}


def _labels(labels: tuple) -> str:
    if not labels:
        return ""
    esc = (str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") for _, v in labels)
    return "{" + ",".join(f'{k}="{v}"' for (k, _), v in zip(labels, esc)) + "}"


class Metrics:
    def __init__(self):
        self._lock = threading.Lock()
        self._counters: dict[str, dict[tuple, float]] = defaultdict(lambda: defaultdict(float))
        self._hist = [0] * (len(_BUCKETS) + 1)
        self._hist_sum = 0.0

    def inc(self, name: str, value: float = 1.0, **labels) -> None:
        with self._lock:
            self._counters[name][tuple(sorted(labels.items()))] += value

    def observe_latency(self, seconds: float) -> None:
        with self._lock:
            self._hist[bisect.bisect_left(_BUCKETS, seconds)] += 1
            self._hist_sum += seconds

    def render(self, gauges: dict[str, float]) -> str:
        """The exposition text; ``gauges`` are read fresh by the caller (e.g. from the store)."""
        lines = []
        with self._lock:
            for name, series in sorted(self._counters.items()):
                kind, help_ = _HELP.get(name, ("counter", name))
                lines += [f"# HELP {name} {help_}", f"# TYPE {name} {kind}"]
                lines += [f"{name}{_labels(k)} {v:g}" for k, v in sorted(series.items())]
            name = "foxhunt_ingest_seconds"
            lines += [f"# HELP {name} {_HELP[name][1]}", f"# TYPE {name} histogram"]
            total = 0
            for le, n in zip((*map(str, _BUCKETS), "+Inf"), self._hist):
                total += n
                lines.append(f'{name}_bucket{{le="{le}"}} {total}')
            lines += [f"{name}_sum {self._hist_sum:.6f}", f"{name}_count {total}"]
        for name, value in sorted(gauges.items()):
            lines += [f"# TYPE {name} gauge", f"{name} {value:g}"]
        return "\n".join(lines) + "\n"
