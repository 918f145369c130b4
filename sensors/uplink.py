"""Ship the spool to the central station: ``POST /api/v1/observations`` (docs/wire-format.md).

Whatever is not acknowledged stays in the spool and is sent again, with exponential back-off and
full jitter between failed attempts (so a city of nodes does not reconnect in lock-step after an
outage). Each response is handled as the wire document's table says.
"""

from __future__ import annotations

import http.client
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from sensors.spool import Spool, SpoolError
from sensors.wire import MAX_BATCH, MAX_BODY_BYTES, batch_body

log = logging.getLogger(__name__)

OBSERVATIONS_PATH = "/api/v1/observations"


@dataclass(frozen=True)
class Outcome:
    """What one attempt did: how many observations left the spool, and the wait before the next."""

    sent: int
    acked: int
    rejected: int
    retry_after_s: float | None  # None: go on at once; else wait this long
    status: str                  # "ok", "empty", "http 500", "timeout", ...


class Uplink:
    """One node's uploader. :meth:`run` loops until ``stop`` is set; :meth:`post_once` is one attempt."""

    def __init__(self, spool: Spool, url: str, token: str, node_id: str, *, batch_size: int = 200,
                 timeout_s: float = 10.0, backoff_base_s: float = 1.0, backoff_max_s: float = 300.0,
                 rng: random.Random | None = None):
        self.spool, self.token, self.node_id = spool, token, node_id
        self.url = url.rstrip("/") + OBSERVATIONS_PATH
        self.batch_size = max(1, min(int(batch_size), MAX_BATCH))
        self.timeout_s, self.backoff_base_s, self.backoff_max_s = timeout_s, backoff_base_s, backoff_max_s
        self._rng = rng or random.Random()
        self._failures = 0
        self.last_upload: float | None = None
        self.attempts = 0
        self.wake = threading.Event()  # set by the producer when it spools something

    def backoff_s(self) -> float:
        """Full jitter: uniform in [0, min(max, base·2^failures)]."""
        cap = min(self.backoff_max_s, self.backoff_base_s * 2 ** min(self._failures, 30))
        return self._rng.uniform(0, cap)

    def post_once(self) -> Outcome:
        batch = self.spool.peek(self.batch_size)
        if not batch:
            return Outcome(0, 0, 0, None, "empty")
        body = batch_body(self.node_id, [s.body for s in batch], time.time())
        while len(body) > MAX_BODY_BYTES and len(batch) > 1:
            batch = batch[: len(batch) // 2]
            body = batch_body(self.node_id, [s.body for s in batch], time.time())
        self.attempts += 1
        req = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                return self._accepted(batch, resp.status, resp.read())
        except urllib.error.HTTPError as exc:
            return self._refused(batch, exc)
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, timeout, bad status line
            return self._failed(len(batch), _describe(exc))

    def _accepted(self, batch, status: int, raw: bytes) -> Outcome:
        try:
            results = json.loads(raw)["results"]
            by_id = {r["id"]: r for r in results}
        except (ValueError, KeyError, TypeError):
            return self._failed(len(batch), f"http {status} with an unreadable body")
        acked = [s.id for s in batch if by_id.get(s.id, {}).get("status") in ("stored", "duplicate")]
        rejected = {s.id: str(by_id[s.id].get("error", "rejected")) for s in batch
                    if by_id.get(s.id, {}).get("status") == "rejected"}
        self.spool.ack(acked)
        if rejected:
            self.spool.dead_letter(rejected)
            log.error("server rejected %d observations, e.g. %s", len(rejected), next(iter(rejected.values())))
        self._failures = 0
        self.last_upload = time.time()
        missing = len(batch) - len(acked) - len(rejected)
        if missing:  # a server that skips results: resend those later rather than lose them
            return self._failed(len(batch), f"http {status} without results for {missing} observations")
        return Outcome(len(batch), len(acked), len(rejected), None, "ok")

    def _refused(self, batch, exc: urllib.error.HTTPError) -> Outcome:
        code = exc.code
        detail = _error_text(exc)
        if code == 413 and self.batch_size > 1:
            self.batch_size = max(1, self.batch_size // 2)
            log.warning("server says the batch is too large; batch size now %d", self.batch_size)
            return Outcome(len(batch), 0, 0, None, "http 413")
        if code == 400:
            self.spool.dead_letter({s.id: f"batch refused: {detail}" for s in batch})
            log.error("server refused a batch of %d (moved to dead letter): %s", len(batch), detail)
            return Outcome(len(batch), 0, len(batch), None, "http 400")
        if code in (401, 403):
            log.error("server refuses this node's token (%d): %s", code, detail)
            self._failures = 30
            return Outcome(len(batch), 0, 0, self.backoff_max_s, f"http {code}")
        out = self._failed(len(batch), f"http {code}")
        retry_after = exc.headers.get("Retry-After") if exc.headers else None
        if code in (429, 503) and retry_after and retry_after.strip().isdigit():
            return Outcome(out.sent, 0, 0, float(retry_after), out.status)
        return out

    def _failed(self, n: int, what: str) -> Outcome:
        wait = self.backoff_s()
        self._failures += 1
        log.info("upload of %d observations failed (%s); retry in %.2f s", n, what, wait)
        return Outcome(n, 0, 0, wait, what)

    def drain(self, deadline_s: float) -> int:
        """At shutdown: post what is waiting until it is all acknowledged, an attempt fails or
        ``deadline_s`` passes; what remains stays spooled for the next start. Returns the number left."""
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            out = self.post_once()
            if out.status != "ok":
                break
        return self.spool.depth()

    def run(self, stop: threading.Event) -> None:
        """Upload until ``stop`` is set; an idle uploader waits for :attr:`wake` (or 5 s)."""
        while not stop.is_set():
            try:
                out = self.post_once()
            except SpoolError as exc:  # disk trouble: keep the thread alive, the spool may recover
                log.error("uplink: %s", exc)
                out = self._failed(0, str(exc))
            if out.status == "empty":
                self.wake.wait(5.0)
                self.wake.clear()
            elif out.retry_after_s:
                stop.wait(out.retry_after_s)


def _describe(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return f"{type(exc).__name__}: {reason if reason is not None else exc}"


def _error_text(exc: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(exc.read()).get("error", ""))[:500] or exc.reason
    except (ValueError, AttributeError, OSError):
        return str(exc.reason)
