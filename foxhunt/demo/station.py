"""The demo's central station: the real WSGI app (webmap.app.create_app) on SQLite in a data
folder, served on 127.0.0.1 from a thread of this process (werkzeug's threaded server, which
stops cleanly; ``foxhunt serve`` runs the same app behind waitress), and what an administrator
does before nodes connect (``foxhunt node add``, ``foxhunt user add``, ``foxhunt registers load``)."""

from __future__ import annotations

import logging
import secrets
import socket
import threading
import time
from pathlib import Path

from werkzeug.serving import make_server

from webmap.app import create_app
from webmap.config import Settings
from webmap.nodes import add_node
from webmap.registers import load as load_register
from webmap.users import add_user


class DemoStation:
    """A running central station; :meth:`close` stops the server and the re-location worker."""

    def __init__(self, data_dir: Path, port: int = 0):
        # Five nodes and no other load: the re-location worker may take all the time it needs
        # (a city's station keeps the default duty cycle so ingest always goes first).
        self.settings = Settings(data_dir=str(data_dir), host="127.0.0.1", port=port, relocate_duty=1.0)
        self.app = create_app(self.settings)
        self.station = self.app.extensions["foxhunt"]
        if port:
            # werkzeug exits the process on a busy port; the command says so in one line instead
            with socket.socket() as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(("127.0.0.1", port))
        logging.getLogger("werkzeug").setLevel(logging.WARNING)   # no line per node upload
        self.server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.port = int(self.server.server_port)
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="foxhunt-demo-server", daemon=True)
        self._thread.start()

    def register_node(self, name: str) -> str:
        """The node's bearer token (``foxhunt node add NAME``)."""
        return add_node(self.station.store, name, actor="demo")[1]

    def add_user(self, name: str, role: str) -> str:
        """A user with a fresh random password (``foxhunt user add``); returns the password."""
        password = secrets.token_urlsafe(12)
        add_user(self.station.store, name, password, role, actor="demo")
        return password

    def load_registers(self, cells_csv: Path, fm_csv: Path) -> None:
        """The licence registers the verdicts judge against (``foxhunt registers load``)."""
        for kind, path in (("cells", cells_csv), ("fm", fm_csv)):
            load_register(self.station.store, kind, path.read_text(encoding="utf-8"), path.name, actor="demo")

    def settle(self, timeout_s: float = 30.0) -> bool:
        """Wait until the re-location worker has judged and located every target that got readings."""
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if self.station.relocator.pending() == 0:
                return True
            time.sleep(0.5)
        return False

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.station.relocator.stop()
        self.station.store.dispose()
