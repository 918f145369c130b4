"""Input checks shared by the FM stages: one line naming the argument and what was expected."""

from __future__ import annotations

import numpy as np

from dsp.errors import DspError


def real_1d(x, name: str) -> np.ndarray:
    """``x`` as a 1-D real array, or DspError naming ``name``."""
    a = np.asarray(x)
    if a.ndim != 1 or np.iscomplexobj(a) or not np.issubdtype(a.dtype, np.number):
        raise DspError(f"{name}: expected a 1-D real array, got {a.dtype} of shape {a.shape}")
    return a


def complex_1d(x, name: str) -> np.ndarray:
    """``x`` as a 1-D complex array, or DspError naming ``name``."""
    a = np.asarray(x)
    if a.ndim != 1 or not np.iscomplexobj(a):
        raise DspError(f"{name}: expected a 1-D complex array, got {a.dtype} of shape {a.shape}")
    return a
