"""Which exceptions mean "bad input" to the command line (one line, exit 2) rather than a bug."""

from __future__ import annotations

from dsp.errors import DspError
from locator.errors import LocatorError
from sensors.errors import SensorError
from webmap.errors import WebmapError

#: Every package raises its own family; OSError covers a missing or unreadable file.
INPUT_ERRORS: tuple[type[BaseException], ...] = (SensorError, DspError, LocatorError, WebmapError, OSError)
