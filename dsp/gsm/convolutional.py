"""The GSM rate-1/2, K=5 convolutional code and its soft-decision Viterbi decoder (3GPP TS 45.003 §4.1.3).

c(2k) = u(k) + u(k-3) + u(k-4),  c(2k+1) = u(k) + u(k-1) + u(k-3) + u(k-4)   (G0 = 1+D³+D⁴, G1 = 1+D+D³+D⁴)

The encoder starts in the all-zero state; every user of this code (xCCH, SCH) ends its input with four
zero tail bits, so the decoder also ends in state 0. Soft input: float32, positive = bit 1,
negative = bit 0, magnitude = confidence, 0 = erasure.
"""

from __future__ import annotations

import numba
import numpy as np

from dsp.errors import DspError

CONSTRAINT = 5
N_STATES = 16
TAIL_BITS = 4


def _check_bits(u, name: str) -> np.ndarray:
    a = np.asarray(u)
    if a.ndim < 1 or not (np.issubdtype(a.dtype, np.integer) or a.dtype == np.bool_):
        raise DspError(f"{name}: expected an integer 0/1 bit array, got dtype {a.dtype} shape {a.shape}")
    return a.astype(np.uint8) & 1


def conv_encode(u) -> np.ndarray:
    """Encode bits ``u`` (last axis = time, tail already appended) into twice as many coded bits."""
    u = _check_bits(u, "u")
    p = np.concatenate([np.zeros(u.shape[:-1] + (4,), np.uint8), u], axis=-1)
    d0, d1, d3, d4 = p[..., 4:], p[..., 3:-1], p[..., 1:-3], p[..., :-4]
    out = np.empty(u.shape[:-1] + (2 * u.shape[-1],), np.uint8)
    out[..., 0::2] = d0 ^ d3 ^ d4
    out[..., 1::2] = d0 ^ d1 ^ d3 ^ d4
    return out


def _trellis():
    """Predecessors and branch outputs of the 16-state trellis.

    State = (u(k-1), u(k-2), u(k-3), u(k-4)) with u(k-1) as the most significant bit, so the
    input bit of a transition into state s is s >> 3, and the two predecessors are
    ((s << 1) & 15) | b for b in 0, 1.
    """
    prev = np.zeros((N_STATES, 2), np.int64)
    out0 = np.zeros((N_STATES, 2), np.float32)
    out1 = np.zeros((N_STATES, 2), np.float32)
    for s in range(N_STATES):
        bit = s >> 3
        for b in range(2):
            ps = ((s << 1) & 15) | b
            u1, u3, u4 = ps >> 3, (ps >> 1) & 1, ps & 1
            prev[s, b] = ps
            out0[s, b] = 2.0 * (bit ^ u3 ^ u4) - 1.0
            out1[s, b] = 2.0 * (bit ^ u1 ^ u3 ^ u4) - 1.0
    return prev, out0, out1


_PREV, _OUT0, _OUT1 = _trellis()


@numba.njit(cache=True, nogil=True)
def _viterbi_kernel(soft, prev, out0, out1, bits, metrics):  # pragma: no cover - compiled
    n_blocks, n2 = soft.shape
    n = n2 // 2
    neg = np.float32(-1e30)
    surv = np.zeros((n, N_STATES), np.uint8)
    pm = np.empty(N_STATES, np.float32)
    new = np.empty(N_STATES, np.float32)
    for blk in range(n_blocks):
        pm[:] = neg
        pm[0] = 0.0
        for k in range(n):
            s0 = soft[blk, 2 * k]
            s1 = soft[blk, 2 * k + 1]
            for s in range(N_STATES):
                m_a = pm[prev[s, 0]] + s0 * out0[s, 0] + s1 * out1[s, 0]
                m_b = pm[prev[s, 1]] + s0 * out0[s, 1] + s1 * out1[s, 1]
                if m_b > m_a:
                    new[s] = m_b
                    surv[k, s] = 1
                else:
                    new[s] = m_a
                    surv[k, s] = 0
            pm[:] = new
        metrics[blk] = pm[0]
        s = 0
        for k in range(n - 1, -1, -1):
            bits[blk, k] = s >> 3
            s = prev[s, surv[k, s]]


def viterbi_decode(soft) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-likelihood input bits for soft coded bits (last axis 2N), ending in state 0.

    Returns ``(bits uint8[..., N], metric float32[...])``; the metric is the correlation of the
    soft input with the chosen code word (larger = better, sum |soft| when error-free).
    """
    a = np.asarray(soft)
    if a.ndim < 1 or a.shape[-1] % 2 or not np.issubdtype(a.dtype, np.floating):
        raise DspError(f"soft: expected float soft bits with an even last axis, got {a.dtype} {a.shape}")
    flat = np.ascontiguousarray(a.reshape(-1, a.shape[-1]), dtype=np.float32)
    bits = np.zeros((flat.shape[0], flat.shape[1] // 2), np.uint8)
    metrics = np.zeros(flat.shape[0], np.float32)
    if flat.shape[1]:
        _viterbi_kernel(flat, _PREV, _OUT0, _OUT1, bits, metrics)
    return bits.reshape(a.shape[:-1] + (bits.shape[1],)), metrics.reshape(a.shape[:-1])


def viterbi_decode_numpy(soft) -> tuple[np.ndarray, np.ndarray]:
    """The same decoder vectorised over states in numpy only: the benchmark baseline."""
    a = np.asarray(soft, dtype=np.float32)
    flat = a.reshape(-1, a.shape[-1])
    n = flat.shape[1] // 2
    pm = np.full((flat.shape[0], N_STATES), -1e30, np.float32)
    pm[:, 0] = 0.0
    surv = np.zeros((n, flat.shape[0], N_STATES), np.uint8)
    for k in range(n):
        cand = pm[:, _PREV] + flat[:, 2 * k, None, None] * _OUT0 + flat[:, 2 * k + 1, None, None] * _OUT1
        surv[k] = cand[:, :, 1] > cand[:, :, 0]
        pm = np.maximum(cand[:, :, 0], cand[:, :, 1])
    bits = np.zeros((flat.shape[0], n), np.uint8)
    s = np.zeros(flat.shape[0], np.int64)
    rows = np.arange(flat.shape[0])
    for k in range(n - 1, -1, -1):
        bits[:, k] = s >> 3
        s = _PREV[s, surv[k, rows, s]]
    return bits.reshape(a.shape[:-1] + (n,)), pm[:, 0].reshape(a.shape[:-1])
