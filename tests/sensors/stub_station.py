"""A loopback stand-in for the central station's ingest endpoint, with switchable faults.

Modes: ``ok``; ``500`` (answer 500, store nothing); ``timeout`` (store, then answer too late for
the client); ``drop`` (store, then close the connection without an answer); and :meth:`kill` /
:meth:`start` to stop listening (connections refused) and come back on the same port.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class StubStation:
    def __init__(self, token: str = "t0ken", slow_s: float = 0.5):
        self.token, self.slow_s = token, slow_s
        self.mode = "ok"
        self.stored: dict[str, dict] = {}
        self.receipts: Counter = Counter()   # id → times it arrived
        self.faults: Counter = Counter()     # mode → requests that met it
        self.lock = threading.Lock()
        self.port = 0
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        station = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                station.handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
                         daemon=True).start()

    def kill(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
            self.faults["killed"] += 1

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("Authorization") != f"Bearer {self.token}":
            return self._reply(h, 401, {"error": "bad token"})
        mode = self.mode
        body = json.loads(h.rfile.read(int(h.headers["Content-Length"])))
        with self.lock:
            self.faults[mode] += 1
        if mode == "500":
            return self._reply(h, 500, {"error": "boom"})
        results = []
        with self.lock:
            for o in body["observations"]:
                self.receipts[o["id"]] += 1
                dup = o["id"] in self.stored
                self.stored.setdefault(o["id"], o)
                results.append({"id": o["id"], "status": "duplicate" if dup else "stored"})
        if mode == "timeout":
            time.sleep(self.slow_s)
        if mode == "drop":
            h.close_connection = True
            h.connection.close()
            return
        self._reply(h, 200, {"version": 1, "results": results})

    @staticmethod
    def _reply(h, status: int, obj: dict) -> None:
        data = json.dumps(obj).encode()
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        except OSError:
            pass  # the client gave up (timeout mode): that is the point
