"""The 95 % confidence region as the profile-likelihood contour: shapely polygon(s), one per mode.

Spec: likelihood-ratio region for a nonlinear regression with estimated scale,
{θ : Q(θ) − Q̂ ≤ 2·ŝ²·F(0.95; 2, ν)} (Beale, JRSS B 22, 1960; Bates & Watts §6.1), with
(P0, n) profiled out; the threshold's calibration is checked by benchmarks/locate_accuracy.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
import shapely.affinity
from scipy import ndimage
from scipy.stats import f as f_dist

from locator.likelihood import Likelihood

#: Cells of the fine grid on which the contour is traced.
FINE_CELLS = 6400
#: Correction of the asymptotic threshold, as a function of the residual degrees of freedom ν:
#: c(ν) = CALIBRATION · ν / (ν + CALIBRATION_DOF). With few places the F threshold with the shrunk scale
#: is conservative; with many (a drive), the curvature of RSSI likelihoods near the transmitter makes
#: the asymptotic one too tight. On a calibration battery (benchmarks/locate_accuracy.py scenarios,
#: seeds 2 and 3, 717 runs) the truth's statistic (Q(truth) − Q̂) / (2·ŝ²·F) had its 95th percentile at
#: 0.65 for ν < 12 (fixed stations), 0.92 for 12–20, 1.26–1.40 for 60–200 (drives); c(ν) fitted there
#: (0.72 at ν = 10, 0.97 at 20, 1.38 at 140; one constant 1.25 before). Seed 1, the benchmark's own
#: battery, is what verifies it.
CALIBRATION = 1.48
CALIBRATION_DOF = 10.5


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle of the local frame (m)."""

    x0: float
    x1: float
    y0: float
    y1: float

    def grid(self, cells: int) -> tuple[np.ndarray, np.ndarray, float]:
        """Cell centres (2-D arrays) of a square-celled grid of about ``cells`` cells, and the spacing."""
        h = max(np.sqrt((self.x1 - self.x0) * (self.y1 - self.y0) / cells), 1.0)
        gx = np.arange(self.x0 + h / 2, self.x1, h)
        gy = np.arange(self.y0 + h / 2, self.y1, h)
        xx, yy = np.meshgrid(gx, gy)
        return xx, yy, h

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1

    def grow(self, margin: float, within: "Box") -> "Box":
        return Box(max(self.x0 - margin, within.x0), min(self.x1 + margin, within.x1),
                   max(self.y0 - margin, within.y0), min(self.y1 + margin, within.y1))


@dataclass(frozen=True)
class ModeXY:
    """A connected piece of the region: its best point (local m), Q there, and its share of the likelihood."""

    x: float
    y: float
    q: float
    weight: float


@dataclass(frozen=True, eq=False)
class RegionXY:
    """The confidence region in the local frame."""

    geometry: shapely.Geometry      # Polygon or MultiPolygon (m)
    modes: tuple[ModeXY, ...]       # best first
    threshold: float                # the Q increase that bounds the region
    bounded: bool                   # False: the region reaches the edge of the searched area


def threshold(scale2: float, dof: float, level: float = 0.95) -> float:
    """ΔQ bounding the ``level`` region for two position parameters with an estimated scale."""
    nu = max(dof, 1.0)
    return CALIBRATION * nu / (nu + CALIBRATION_DOF) * 2.0 * scale2 * float(f_dist.ppf(level, 2, nu))


def contour(lik: Likelihood, start: Box, search: Box, q_min: float, delta: float, scale2: float,
            estimate_xy: tuple[float, float]) -> RegionXY:
    """Trace {Q ≤ q_min + delta} on a fine grid over ``start``, widening it while the region touches its edge."""
    box = start
    for _ in range(4):
        xx, yy, h = box.grid(FINE_CELLS)
        q = lik.profile(xx, yy)[0].reshape(xx.shape)
        q_min = min(q_min, float(q.min()))
        inside = q <= q_min + delta
        # The estimate's own cell always belongs to the region (it may fall between cell centres).
        i = int(np.clip(np.round((estimate_xy[1] - yy[0, 0]) / h), 0, xx.shape[0] - 1))
        j = int(np.clip(np.round((estimate_xy[0] - xx[0, 0]) / h), 0, xx.shape[1] - 1))
        inside[i, j] = True
        edge = {"x0": inside[:, 0].any(), "x1": inside[:, -1].any(), "y0": inside[0].any(), "y1": inside[-1].any()}
        at_limit = {"x0": box.x0 <= search.x0, "x1": box.x1 >= search.x1,
                    "y0": box.y0 <= search.y0, "y1": box.y1 >= search.y1}
        grow = [k for k in edge if edge[k] and not at_limit[k]]
        if not grow:
            break
        w = max(box.x1 - box.x0, box.y1 - box.y0)
        box = Box(box.x0 - w * ("x0" in grow), box.x1 + w * ("x1" in grow),
                  box.y0 - w * ("y0" in grow), box.y1 + w * ("y1" in grow)).grow(0.0, search)
    bounded = not any(edge[k] and at_limit[k] for k in edge)
    labels, n_parts = ndimage.label(inside, structure=np.ones((3, 3)))
    mass = np.where(inside, np.exp(-np.maximum(q - q[inside].min(), 0.0) / (2.0 * scale2)), 0.0)
    total = mass.sum()
    modes = []
    parts = []
    for k in range(1, n_parts + 1):
        sel = labels == k
        qk = np.where(sel, q, np.inf)
        a = np.unravel_index(np.argmin(qk), q.shape)
        modes.append(ModeXY(float(xx[a]), float(yy[a]), float(q[a]), float(mass[sel].sum() / total)))
        parts.append(_cells_polygon(sel, xx, yy, h))
    order = np.argsort([m.q for m in modes])
    geometry = shapely.union_all([parts[i] for i in order])
    return RegionXY(geometry, tuple(modes[i] for i in order), delta, bounded)


def _cells_polygon(mask: np.ndarray, xx: np.ndarray, yy: np.ndarray, h: float) -> shapely.Geometry:
    """The union of the grid cells in ``mask``, built from horizontal runs of cells.

    The runs are joined in cell-index space, where every edge is an exact half-integer, and only
    then scaled to metres: joined in metres, rounding leaves hairline gaps between rows and the
    union comes out as a stack of slivers (an invalid, striped region).
    """
    padded = np.pad(mask, ((0, 0), (1, 1))).astype(np.int8)
    d = np.diff(padded, axis=1)
    rows_s, cols_s = np.nonzero(d == 1)
    _, cols_e = np.nonzero(d == -1)
    boxes = shapely.box(cols_s - 0.5, rows_s - 0.5, cols_e - 0.5, rows_s + 0.5)
    cells = shapely.union_all(boxes).simplify(0.25)
    return shapely.affinity.affine_transform(cells, [h, 0.0, 0.0, h, xx[0, 0], yy[0, 0]])
