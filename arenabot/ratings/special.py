"""The few special functions the ratings need, in numpy and the standard library.

scipy.special costs about 0.3 s to import, more than everything else `arenabot ratings` loads on
a small file; these are all it was used for outside the bootstrap (which loads scipy.sparse
anyway). Each keeps the input's float dtype (the bootstrap works in float32) and accepts `out`.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

_STANDARD_NORMAL = NormalDist()
_ERFC = np.frompyfunc(math.erfc, 1, 1)


def expit(x, out: np.ndarray | None = None) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-x)), without overflow: exp only ever sees -|x|, so
    e is in (0, 1]; then 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0 (small values keep
    their relative precision, unlike 1 - 1 / (1 + e))."""
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(float)
    if x.ndim == 0 and out is None:
        return expit(x.reshape(1))[0]  # ufuncs return scalars for 0-d input, which `out=` refuses
    negative = x < 0  # taken first: `out` may be x itself
    e = np.abs(x)
    np.negative(e, out=e)
    np.exp(e, out=e)
    result = np.add(e, 1.0, out=out)
    np.reciprocal(result, out=result)
    np.multiply(result, e, out=result, where=negative)
    return result


def log_expit(x) -> np.ndarray:
    """log(expit(x)) = min(x, 0) - log1p(exp(-|x|)): no overflow, no log of 0 for large |x|."""
    x = np.asarray(x)
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def normal_cdf(x) -> np.ndarray:
    """Standard normal CDF elementwise, 0.5 * erfc(-x / sqrt 2) (accurate in both tails)."""
    x = np.asarray(x, dtype=float)
    return (0.5 * _ERFC(-x / math.sqrt(2.0))).astype(float).reshape(x.shape)


def normal_quantile(p: float) -> float:
    """Inverse of the standard normal CDF at one probability (z for two-sided intervals)."""
    return _STANDARD_NORMAL.inv_cdf(p)


def poisson_cdf(k: np.ndarray, lam: float) -> np.ndarray:
    """P(X <= k) for X ~ Poisson(lam) at whole numbers k >= 0, from the probabilities' running
    product. Meant for the bootstrap's small means (below ~10), where exp(-lam) cannot underflow."""
    k = np.asarray(k)
    top = int(k.max()) if k.size else 0
    terms = np.empty(top + 1)
    terms[0] = math.exp(-lam)
    if top:
        terms[1:] = lam / np.arange(1, top + 1)
    cdf = np.minimum(np.cumsum(np.cumprod(terms)), 1.0)
    return cdf[k]
