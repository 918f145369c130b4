"""The wheel a user installs with `pip install .` holds every package and the bundled recordings."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    # Build from a copy: setuptools leaves build/ and egg-info beside the sources it builds.
    src = tmp_path_factory.mktemp("src") / "foxhunt"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".pytest_cache", "tests", "benchmarks"))
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                        "-q", "-w", str(out), str(src)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    (whl,) = out.glob("foxhunt-*.whl")
    with zipfile.ZipFile(whl) as z:
        return set(z.namelist())


def test_wheel_has_every_package(wheel_names):
    for pkg in ("foxhunt", "sensors", "dsp", "dsp/gsm", "dsp/fm", "locator", "webmap", "recordings"):
        assert f"{pkg}/__init__.py" in wheel_names, pkg
    assert not any(n.startswith("tests/") for n in wheel_names)


def test_wheel_has_bundled_recordings(wheel_names):
    bundled = sorted(p.name for p in (REPO / "recordings").glob("*.sigmf-*"))
    assert bundled, "no bundled recordings"
    for name in bundled:
        assert f"recordings/{name}" in wheel_names, name


def test_wheel_declares_console_script(wheel_names):
    (entry,) = [n for n in wheel_names if n.endswith("entry_points.txt")]
    assert entry
