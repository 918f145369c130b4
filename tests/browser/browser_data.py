"""Constants the browser tests share with their conftest, importable by a name of their own (``from
conftest import`` picks whichever conftest.py pytest loaded last when tests/webmap runs in the same session)."""

from __future__ import annotations

from pathlib import Path

HOSTILE_PS = "<img src=x onerror=alert(1)>"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
