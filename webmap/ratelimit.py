"""Per-node token buckets: a node may send ``rate`` units per second, ``burst`` at once."""

from __future__ import annotations

import threading
import time


class TokenBuckets:
    def __init__(self, rate: float, burst: float, clock=time.monotonic):
        self.rate, self.burst, self.clock = float(rate), float(burst), clock
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float]] = {}   # key -> (tokens, at)

    def take(self, key: str, amount: float = 1.0) -> float:
        """0 when ``amount`` was taken; else the seconds to wait before it could be."""
        with self._lock:
            now = self.clock()
            tokens, at = self._state.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if amount > self.burst:      # never satisfiable in one go: let it through once the bucket is full
                amount = self.burst
            if tokens >= amount:
                self._state[key] = (tokens - amount, now)
                return 0.0
            self._state[key] = (tokens, now)
            return (amount - tokens) / self.rate
