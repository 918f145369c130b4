"""Terminal output that RF content cannot take over.

Decoded strings (RDS PS/RT, recording metadata, register text) are attacker-controlled and reach
human tables verbatim; an ESC sequence in a PS could repaint the screen or hide a line, a bidi
override could reverse a reason. Every control (Cc) and format (Cf) character written to the
terminal streams is shown as an escape (``\\x1b``, ``\\u202e``) instead, except the layout
characters the tables themselves use. JSON output is unaffected: ``json.dumps`` already escapes
control characters, and it never emits format characters raw because of ``ensure_ascii``.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from typing import TextIO


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class SafeStream:
    """A text stream wrapper that escapes control and format characters, except ``allowed``."""

    def __init__(self, stream: TextIO, allowed: str):
        self._stream = stream
        self._allowed = frozenset(allowed)
        # Printable ASCII and the allowed layout characters go straight through (tables, JSON);
        # only text holding anything else pays for the per-character look-up.
        self._plain = re.compile("[\x20-\x7e" + re.escape(allowed) + "]*")

    def write(self, text: str) -> int:
        if not self._plain.fullmatch(text):
            text = "".join(_escape(c) if c not in self._allowed and unicodedata.category(c) in ("Cc", "Cf")
                           else c for c in text)
        return self._stream.write(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def protect_std_streams() -> None:
    """Wrap stdout (tables: newline and tab) and stderr (progress lines may also use CR)."""
    if not isinstance(sys.stdout, SafeStream):
        sys.stdout = SafeStream(sys.stdout, "\n\t")
    if not isinstance(sys.stderr, SafeStream):
        sys.stderr = SafeStream(sys.stderr, "\n\t\r")
