"""Central-station settings: defaults, a TOML file (``foxhunt serve --config FILE``) and options."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from webmap.errors import WebmapError


@dataclass(frozen=True)
class Settings:
    # The environment is read when settings are made, not when this module is imported.
    data_dir: str = field(default_factory=lambda: os.environ.get("FOXHUNT_DATA", "foxhunt-data"))
    db: str | None = None                      # SQLAlchemy URL; default: SQLite in data_dir
    secret_key: str | None = None              # default: data_dir/secret_key, made on first start
    host: str = "127.0.0.1"
    port: int = 8750
    threads: int = 8                           # WSGI worker threads
    sqlite_synchronous: str = "FULL"           # FULL: an acknowledged batch survives a power cut
    node_obs_per_s: float = 2000.0             # per-node rate limit (token bucket), observations/s
    node_obs_burst: float = 10000.0
    node_requests_per_s: float = 50.0
    relocate: bool = True                      # run the re-location worker in this process
    relocate_debounce_s: float = 2.0           # wait for readings to settle before re-locating
    relocate_min_interval_s: float = 15.0      # at most one fix per target this often
    relocate_duty: float = 0.25                # the worker pauses so it takes at most this share of time
    relocate_window_s: float = 600.0           # readings older than this before the newest are not used
    relocate_min_readings: int = 4
    relocate_max_readings: int = 4000
    retention_days: float | None = None        # raw power readings older than this are deleted; None keeps all
    metrics_public: bool = True                # GET /metrics without login (scrapers on the LAN)
    session_cookie_secure: bool = False        # True behind HTTPS
    session_hours: float = 12.0
    # IANA zone of the verdicts' hours of day
    timezone: str = field(default_factory=lambda: os.environ.get("FOXHUNT_TIMEZONE", "UTC"))

    @property
    def db_url(self) -> str:
        return self.db or f"sqlite:///{Path(self.data_dir).resolve() / 'foxhunt.db'}"

    def with_(self, **changes) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def load_settings(path: str | Path | None = None, **overrides) -> Settings:
    """Defaults, then the TOML file's keys (the field names above), then non-None overrides."""
    values: dict = {}
    if path is not None:
        try:
            values = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise WebmapError(f"{path}: not TOML ({exc})") from None
        known = {f.name: f.type for f in fields(Settings)}
        for key in values:
            if key not in known:
                raise WebmapError(f"{path}: unknown setting {key!r}; known: {', '.join(sorted(known))}")
    return Settings(**values).with_(**overrides)
