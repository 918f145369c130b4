"""Shared fixtures: where third-party data and reference recordings live, skipping when absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
VECTORS = Path(__file__).resolve().parent / "vectors"
#: ../shared beside the clone (CI and developers have it; a stranger's clone does not).
SHARED = Path(os.environ.get("FOXHUNT_SHARED", REPO.parent / "shared"))


def _shared(sub: str, name: str) -> Path:
    p = SHARED / sub / name
    if not p.exists() and not p.with_name(p.name + ".sigmf-meta").exists():
        pytest.skip(f"{p} absent: shared {sub}/ is not beside this clone (set FOXHUNT_SHARED)")
    return p


@pytest.fixture
def realdata():
    """``realdata("gsm_gsmsp2007/...")``: a file of ../shared/realdata, or skip with the reason."""
    return lambda name: _shared("realdata", name)


@pytest.fixture
def shared_vector():
    """``shared_vector("gsm_3cells_2400k")``: a reference recording's base path, or skip."""
    return lambda name: _shared("vectors", name)
