"""Verdicts on targets: the dsp.verdict rules run on a target's latest decode, with its node's context."""

from __future__ import annotations

from webmap.store import Store


class Judge:
    """``judge(conn, target_row)`` inside the worker's transaction: recompute and store the verdict."""

    def __init__(self, store: Store):
        self.store = store

    def __call__(self, conn, target) -> None:
        return None
