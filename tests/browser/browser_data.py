"""Constants the browser tests share with their conftest, importable by a name of their own (``from
conftest import`` picks whichever conftest.py pytest loaded last when tests/webmap runs in the same session)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

HOSTILE_PS = "<img src=x onerror=alert(1)>"
#: Where the tests' screenshots go: a temporary folder, so a test run leaves the checkout clean;
#: FOXHUNT_SCREENSHOTS=docs/screenshots refreshes the README's pictures.
SCREENSHOTS = Path(os.environ.get("FOXHUNT_SCREENSHOTS") or tempfile.mkdtemp(prefix="foxhunt-screenshots-"))
