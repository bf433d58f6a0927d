"""Style control: Bradley-Terry with per-battle style covariates.

P(a beats b) = sigmoid(beta_a - beta_b + gamma . x), where x holds style differences such as
reply length and markdown headers, lists and bold, each (a - b) / (a + b + 1) and standardised.
The style-adjusted ratings come from beta; gamma says how much each style feature sways votes
(natural log-odds per standard deviation of the feature).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .board import Board, make_board
from .bt import PRIOR_GAMES, FitOptions, mle_exists
from .ci import z_value
from .counts import A_WINS, B_WINS, TIE, counts_from_battles
from .special import expit, log_expit

STYLE_FEATURES = ("length", "headers", "lists", "bold")
# A whisper of ridge on the style coefficients keeps the fit defined when a feature is constant
# or perfectly predicts the votes (tiny logs); it moves real estimates by far less than 1e-4.
STYLE_RIDGE = 1e-6


def style_features(a_values: np.ndarray, b_values: np.ndarray) -> np.ndarray:
    """(a - b) / (a + b + 1) per feature column, then standardised (a constant column gives 0)."""
    a = np.asarray(a_values, dtype=float)
    b = np.asarray(b_values, dtype=float)
    raw = (a - b) / (a + b + 1.0)
    mean = raw.mean(axis=0) if len(raw) else 0.0
    std = raw.std(axis=0) if len(raw) else 1.0
    return np.divide(raw - mean, std, out=np.zeros_like(raw), where=np.asarray(std) > 0)


class _Problem:
    """Objective, gradient and Hessian over theta = (beta, gamma), for one weighting of battles."""

    def __init__(self, m, a, b, x, y, w, lam, prior):
        self.m, self.a, self.b, self.x, self.y, self.w = m, a, b, x, y, w
        self.lam, self.prior = lam, prior
        n = len(y)
        from scipy import sparse  # style control only: keeps scipy.sparse out of other commands

        self.E = sparse.csr_matrix(
            (np.concatenate([np.ones(n), -np.ones(n)]), (np.concatenate([a, b]), np.concatenate([np.arange(n)] * 2))),
            shape=(m, n),
        )

    def margin(self, theta):
        m = self.m
        return theta[self.a] - theta[self.b] + self.x @ theta[m:]

    def value(self, theta):
        d = self.margin(theta)
        beta = theta[: self.m]
        v = -(self.w * (self.y * log_expit(d) + (1 - self.y) * log_expit(-d))).sum()
        v += 0.5 * self.lam * beta @ beta + 0.5 * STYLE_RIDGE * theta[self.m :] @ theta[self.m :]
        if self.prior:
            v -= self.prior * 0.5 * (log_expit(beta) + log_expit(-beta)).sum()
        return v

    def _blocks(self, per_battle):
        """Z^T diag(per_battle) Z for Z = [battle incidence, x]."""
        x = self.x
        bb = (self.E.multiply(per_battle) @ self.E.T).toarray()
        bg = self.E @ (per_battle[:, None] * x)
        gg = x.T @ (per_battle[:, None] * x)
        return np.block([[bb, bg], [bg.T, gg]])

    def grad_hess(self, theta):
        m = self.m
        s = expit(self.margin(theta))
        r = self.w * (s - self.y)
        beta = theta[:m]
        gamma = theta[m:]
        grad = np.concatenate([self.E @ r + self.lam * beta, self.x.T @ r + STYLE_RIDGE * gamma])
        hess = self._blocks(self.w * s * (1 - s))
        hess[np.arange(m), np.arange(m)] += self.lam
        k = len(gamma)
        hess[np.arange(m, m + k), np.arange(m, m + k)] += STYLE_RIDGE
        if self.prior:
            sb = expit(beta)
            grad[:m] += self.prior * (sb - 0.5)
            hess[np.arange(m), np.arange(m)] += self.prior * sb * (1 - sb)
        return grad, hess

    def solve_matrix(self, hess):
        if self.lam == 0 and self.prior == 0:
            hess = hess.copy()
            hess[: self.m, : self.m] += 1.0 / self.m  # pin the free shift of beta
        return hess

    def fit(self, theta0, tol=1e-10, max_iter=200):
        theta = theta0.copy()
        value = self.value(theta)
        for _ in range(max_iter):
            grad, hess = self.grad_hess(theta)
            step = -np.linalg.solve(self.solve_matrix(hess), grad)
            t = 1.0
            if np.max(np.abs(step)) > 0.1:  # far from the optimum: backtrack (Armijo)
                slope = grad @ step
                while t > 1e-8 and self.value(theta + t * step) > value + 1e-4 * t * slope:
                    t *= 0.5
                value = self.value(theta + t * step)
            theta = theta + t * step
            if np.max(np.abs(t * step)) < tol:
                break
        theta[: self.m] -= theta[: self.m].mean()
        return theta


def rate_style(
    models: Sequence[str],
    model_a,
    model_b,
    outcome,
    features,
    *,
    feature_names: Sequence[str] = STYLE_FEATURES,
    ties: str = "half",
    l2_C: float | None = None,
    anchor: tuple[str, float] | None = None,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
    ci: str = "sandwich",
    rounds: int = 200,
    seed: int | None = 0,
    level: float = 0.95,
    progress=None,
) -> Board:
    """Style-controlled board. `features` is (battles x k), already differenced and standardised
    (see `style_features`). Intervals: "sandwich", "bootstrap" (battles resampled, `rounds`
    refits) or "none". `board.extra["style"]` maps each feature to its coefficient and interval."""
    if ci not in ("sandwich", "bootstrap", "none"):
        raise ValueError(f"ci must be 'sandwich', 'bootstrap' or 'none', not {ci!r}")
    opts = FitOptions(ties=ties, l2_C=l2_C, scale=scale, base=base, init=init, anchor=anchor)
    x = np.asarray(features, dtype=float)
    a = np.asarray(model_a, dtype=np.int64)
    b = np.asarray(model_b, dtype=np.int64)
    o = np.asarray(outcome, dtype=np.int64)
    if x.ndim != 2 or len(x) != len(o) or x.shape[1] != len(feature_names):
        raise ValueError("features must be (battles x len(feature_names))")
    counts = counts_from_battles(models, a, b, o)
    m = len(models)
    ok = (a >= 0) & (a < m) & (b >= 0) & (b < m) & (a != b) & (o >= 0) & (o <= 3)
    bad_x = ok & ~np.all(np.isfinite(x), axis=1)
    if bad_x.any():
        counts.rejected["non-finite style feature"] = int(bad_x.sum())
    ok &= ~bad_x
    a, b, o, x = a[ok], b[ok], o[ok], x[ok]
    y = np.where(o == A_WINS, 1.0, np.where(o == B_WINS, 0.0, 0.5))
    w = np.ones(len(o)) if ties == "half" else (o < TIE).astype(float)
    played = (np.bincount(a, w, m) + np.bincount(b, w, m)) > 0
    keep = played[a] & played[b] & (w > 0)
    index = np.cumsum(played) - 1
    a, b, x, y, w = index[a[keep]], index[b[keep]], x[keep], y[keep], w[keep]
    names = [nm for nm, p in zip(models, played, strict=True) if p]
    mm = len(names)
    unrated = [nm for nm, p in zip(models, played, strict=True) if not p]
    if mm < 2:
        return Board("bradley-terry+style", [], counts.n_battles, ci, unrated=list(models), rejected=dict(counts.rejected))
    lam = opts.l2_lambda
    prior = 0.0 if lam > 0 or _exists(a, b, y, w, mm) else PRIOR_GAMES
    problem = _Problem(mm, a, b, x, y, w, lam, prior)
    theta = problem.fit(np.zeros(mm + x.shape[1]))
    c = opts.rating_per_beta
    pin = names.index(anchor[0]) if anchor is not None and anchor[0] in names else None
    rel = np.eye(mm) - 1.0 / mm
    if pin is not None:
        rel = np.eye(mm)
        rel[:, pin] -= 1.0

    def ratings_of(th):
        beta = rel @ th[:mm]
        return (anchor[1] if anchor is not None and pin is not None else init) + c * beta

    ratings = ratings_of(theta)
    gamma = theta[mm:]
    z = z_value(level)
    if ci == "sandwich":
        grad, hess = problem.grad_hess(theta)
        s = expit(problem.margin(theta))
        meat = problem._blocks(w**2 * (y - s) ** 2)
        h_inv = np.linalg.inv(problem.solve_matrix(hess))
        cov = h_inv @ meat @ h_inv
        se_beta = np.sqrt(np.clip(np.diag(rel @ cov[:mm, :mm] @ rel.T), 0, None))
        se_gamma = np.sqrt(np.clip(np.diag(cov[mm:, mm:]), 0, None))
        lower, upper = ratings - z * c * se_beta, ratings + z * c * se_beta
        g_lo, g_hi = gamma - z * se_gamma, gamma + z * se_gamma
    elif ci == "bootstrap":
        rng = np.random.default_rng(seed)
        boot_r = np.empty((rounds, mm))
        boot_g = np.empty((rounds, len(gamma)))
        for r in range(rounds):
            weights = w * np.bincount(rng.integers(0, len(y), len(y)), minlength=len(y))
            round_prior = prior if (prior or lam > 0 or _exists(a, b, y, weights, mm)) else PRIOR_GAMES
            th = _Problem(mm, a, b, x, y, weights, lam, round_prior).fit(theta, tol=1e-6)
            boot_r[r], boot_g[r] = ratings_of(th), th[mm:]
            if progress:
                progress(1)
        tail = (1 - level) / 2 * 100
        lower, upper = np.percentile(boot_r, [tail, 100 - tail], axis=0)
        lower, upper = np.minimum(lower, ratings), np.maximum(upper, ratings)
        g_lo, g_hi = np.percentile(boot_g, [tail, 100 - tail], axis=0)
    else:
        lower, upper, g_lo, g_hi = ratings.copy(), ratings.copy(), gamma.copy(), gamma.copy()
    win = np.bincount(a, w * y, mm) + np.bincount(b, w * (1 - y), mm)
    games = np.bincount(a, w, mm) + np.bincount(b, w, mm)
    win_rate = np.divide(win, games, out=np.zeros(mm), where=games > 0)
    battles = counts.battles_per_model()[played]
    notes = []
    if prior:
        notes.append(
            "the plain maximum-likelihood fit does not exist: a weak prior of one virtual "
            "tie per model against the field was used"
        )
    style = {
        name: {"coef": float(g), "ci_lower": float(lo), "ci_upper": float(hi)}
        for name, g, lo, hi in zip(feature_names, gamma, g_lo, g_hi, strict=True)
    }
    return make_board(
        "bradley-terry+style",
        names,
        ratings,
        lower,
        upper,
        battles,
        win_rate,
        counts.n_battles,
        ci,
        unrated=unrated,
        rejected=dict(counts.rejected),
        notes=notes,
        extra={"style": style},
    )


def _exists(a, b, y, w, m) -> bool:
    """Does the plain fit exist (ignoring style)? Same test as for pair counts."""
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    y_lo = np.where(a < b, y, 1 - y) * w  # effective wins of the lower-index model
    key = lo * m + hi
    uniq, inv = np.unique(key, return_inverse=True)
    yy = np.bincount(inv, y_lo, len(uniq))
    nn = np.bincount(inv, w, len(uniq))
    return mle_exists(uniq // m, uniq % m, yy, nn, m)
