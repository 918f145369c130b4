"""A logged-in JSON client of the central station (what a browser session does: GET /api/v1/session
for the CSRF token, POST it with the credentials, then keep the session cookie)."""

from __future__ import annotations

import http.cookiejar
import json
import urllib.error
import urllib.request



class StationError(RuntimeError):
    """The central station refused a request of the demo (names the method, path and status)."""


class StationClient:
    def __init__(self, base_url: str, username: str, password: str, *, timeout_s: float = 30.0):
        self.base = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self._csrf = self.get("/api/v1/session")["csrf_token"]
        self._csrf = self.send("POST", "/api/v1/session", {"username": username, "password": password})["csrf_token"]

    def _open(self, req: urllib.request.Request) -> bytes:
        try:
            with self._opener.open(req, timeout=self.timeout_s) as resp:
                return resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace")
            raise StationError(f"{req.get_method()} {req.full_url}: HTTP {exc.code} {detail}") from None
        except OSError as exc:
            raise StationError(f"{req.get_method()} {req.full_url}: {exc}") from None

    def get(self, path: str) -> dict:
        return json.loads(self._open(urllib.request.Request(self.base + path)))

    def get_bytes(self, path: str) -> bytes:
        return self._open(urllib.request.Request(self.base + path))

    def send(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body if body is not None else {}).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", "X-CSRF-Token": self._csrf})
        return json.loads(self._open(req))
