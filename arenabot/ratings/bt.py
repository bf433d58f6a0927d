"""Bradley-Terry maximum likelihood on pair counts, one problem or a batch of bootstrap rounds.

Natural-scale strengths beta: P(i beats j) = sigmoid(beta_i - beta_j). A rating is
init + scale * beta / ln(base) (400, 10, 1000: the Elo convention).

Every pair contributes y = effective wins of i (ties as half a win to each side by default) out
of n. The objective is the negative log-likelihood plus, optionally,
- an L2 penalty with scikit-learn's `C` meaning: (1 / 2C) * sum(theta^2), theta = beta / ln(base),
  i.e. the coefficient vector of LogisticRegression on features +-ln(base);
- a weak prior, used only when the plain MLE does not exist (a model that never wins or never
  loses, a comparison graph that is not strongly connected, disconnected groups): each model
  plays PRIOR_GAMES virtual ties against a phantom of strength 0. This keeps every rating finite
  and defined, and pulls such models towards the field only as much as one tied game would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .counts import PairCounts
from .graph import strongly_connected
from .special import expit, log_expit

PRIOR_GAMES = 1.0


@dataclass(frozen=True)
class FitOptions:
    ties: str = "half"  # "half": a tie (and a both-bad) is half a win to each side; "drop": ignored
    l2_C: float | None = None  # scikit-learn's C: smaller is a stronger pull towards the mean
    double: bool = False  # count every battle twice (changes only penalised fits and CIs)
    scale: float = 400.0
    base: float = 10.0
    init: float = 1000.0
    anchor: tuple[str, float] | None = None  # pin one model, e.g. ("mixtral-8x7b-instruct-v0.1", 1114)
    tol: float = 1e-10  # largest Newton step (natural scale) at convergence
    max_iter: int = 200

    def __post_init__(self) -> None:
        if self.ties not in ("half", "drop"):
            raise ValueError(f"ties must be 'half' or 'drop', not {self.ties!r}")
        if self.l2_C is not None and not self.l2_C > 0:
            raise ValueError("l2_C must be positive (scikit-learn's C); use None for no penalty")
        if self.scale <= 0 or self.base <= 1:
            raise ValueError("scale must be positive and base greater than 1")

    @property
    def rating_per_beta(self) -> float:
        return self.scale / math.log(self.base)

    @property
    def l2_lambda(self) -> float:
        """Penalty weight on the natural scale: (1/2C) theta^2 = (lambda/2) beta^2."""
        if self.l2_C is None:
            return 0.0
        return 1.0 / (self.l2_C * math.log(self.base) ** 2)


def effective_counts(counts: PairCounts, opts: FitOptions) -> tuple[np.ndarray, np.ndarray]:
    """(y, n) per pair: i's effective wins and the number of games that count."""
    ties = counts.ties + counts.both_bad
    if opts.ties == "half":
        y = counts.wins_i + 0.5 * ties
        n = counts.wins_i + counts.wins_j + ties
    else:
        y = counts.wins_i.astype(float)
        n = counts.wins_i + counts.wins_j
    if opts.double:
        y, n = 2 * y, 2 * n
    return y, n


def mle_exists(i: np.ndarray, j: np.ndarray, y: np.ndarray, n: np.ndarray, m: int) -> bool:
    """The unpenalised MLE is finite iff the 'beat at least partly' graph is strongly connected."""
    if m <= 1:
        return m == 1
    wins = y > 0
    losses = (n - y) > 0
    rows = np.concatenate([i[wins], j[losses]])
    cols = np.concatenate([j[wins], i[losses]])
    return strongly_connected(m, rows, cols)


def _objective(beta, i, j, y, n, lam, prior):
    d = beta[i] - beta[j]
    value = -(y * log_expit(d) + (n - y) * log_expit(-d)).sum()
    value += 0.5 * lam * beta @ beta
    if prior:
        value -= prior * 0.5 * (log_expit(beta) + log_expit(-beta)).sum()
    return value


def gradient_and_hessian(beta, i, j, y, n, m, lam, prior):
    """Gradient and Hessian of the objective (to minimise)."""
    d = beta[i] - beta[j]
    s = expit(d)
    r = n * s - y
    grad = np.bincount(i, r, m) - np.bincount(j, r, m) + lam * beta
    w = n * s * (1 - s)
    hess = laplacian(i, j, w, m)
    hess[np.diag_indices(m)] += lam
    if prior:
        sb = expit(beta)
        grad += prior * (sb - 0.5)
        hess[np.diag_indices(m)] += prior * sb * (1 - sb)
    return grad, hess


def laplacian(i, j, w, m) -> np.ndarray:
    """Weighted graph Laplacian of the pairs (pairs are unique, so plain assignment is safe)."""
    lap = np.zeros((m, m))
    lap[i, j] = -w
    lap[j, i] = -w
    lap[np.diag_indices(m)] = np.bincount(i, w, m) + np.bincount(j, w, m)
    return lap


def regularised(hess: np.ndarray, lam: float, prior: float) -> np.ndarray:
    """Without penalty or prior the Hessian is singular along 'shift everyone': pin that direction
    by adding J/m, which leaves every zero-sum step (all gradients sum to zero) unchanged."""
    if lam == 0 and prior == 0:
        return hess + 1.0 / hess.shape[0]
    return hess


@dataclass
class Fit:
    beta: np.ndarray  # natural scale, mean zero
    prior: float  # virtual-tie weight used (0 unless the MLE does not exist)
    iterations: int
    converged: bool


def fit_pairs(i, j, y, n, m: int, opts: FitOptions, beta0: np.ndarray | None = None, prior: float | None = None) -> Fit:
    """Newton's method with a backtracking line search. Always terminates within max_iter."""
    if m == 0:
        return Fit(np.zeros(0), 0.0, 0, True)
    lam = opts.l2_lambda
    if prior is None:
        prior = 0.0 if lam > 0 or mle_exists(i, j, y, n, m) else PRIOR_GAMES
    if m == 1:
        return Fit(np.zeros(1), prior, 0, True)
    beta = np.zeros(m) if beta0 is None else np.array(beta0, dtype=float)
    value = _objective(beta, i, j, y, n, lam, prior)
    converged = False
    it = 0
    for it in range(1, opts.max_iter + 1):  # noqa: B007 (read after the loop: iterations used)
        grad, hess = gradient_and_hessian(beta, i, j, y, n, m, lam, prior)
        step = -np.linalg.solve(regularised(hess, lam, prior), grad)
        t = 1.0
        if np.max(np.abs(step)) > 0.1:
            # Far from the optimum: backtrack until the objective falls enough (Armijo).
            slope = grad @ step
            while t > 1e-8:
                if _objective(beta + t * step, i, j, y, n, lam, prior) <= value + 1e-4 * t * slope:
                    break
                t *= 0.5
            value = _objective(beta + t * step, i, j, y, n, lam, prior)
        # Close to it, full Newton steps converge quadratically on this smooth convex objective
        # (and a line search would only fight rounding error).
        beta = beta + t * step
        if np.max(np.abs(t * step)) < opts.tol:
            converged = True
            break
    return Fit(beta - beta.mean(), prior, it, converged)


def fit_counts(counts: PairCounts, opts: FitOptions, beta0: np.ndarray | None = None) -> Fit:
    y, n = effective_counts(counts, opts)
    return fit_pairs(counts.i, counts.j, y, n, counts.n_models, opts, beta0)


def fit_batch(
    i,
    j,
    Y: np.ndarray,
    N: np.ndarray,
    m: int,
    opts: FitOptions,
    start: Fit,
    n_data: np.ndarray,
    tol: float = 1e-5,
    max_fixed: int = 40,
) -> np.ndarray:
    """Fit many resampled problems at once. Y and N are (pairs x rounds); returns mean-zero
    strengths (rounds x models). `tol` is the largest last step (natural scale; 1e-5 is
    0.002 rating points).

    Each round starts at the full-data fit and iterates with the full-data Hessian held fixed:
    resamples differ little from the data, so this converges in a handful of cheap, fully
    vectorised steps. Rounds that do not settle (e.g. a model lost every resampled game) are
    finished one by one with the exact Newton solver, which adds the prior where needed.
    Arrays are laid out pairs-first because gathering whole rows is several times faster.
    """
    rounds = Y.shape[1]
    lam = opts.l2_lambda
    prior = start.prior
    beta = np.tile(start.beta[:, None], (1, rounds))  # models x rounds
    _, hess = gradient_and_hessian(start.beta, i, j, n_data * 0.5, n_data, m, lam, prior)
    h_inv = np.linalg.inv(regularised(hess, lam, prior))
    from scipy import sparse  # bootstrap only: keeps scipy.sparse out of a plain fit's imports

    # incidence @ r sums r over each model's pairs (+ where it is i, - where it is j).
    incidence = sparse.csr_matrix(
        (np.concatenate([np.ones(len(i)), -np.ones(len(j))]), (np.concatenate([i, j]), np.concatenate([np.arange(len(i))] * 2))),
        shape=(m, len(i)),
    )
    # Work on the rounds still moving; compact the arrays only when many have settled.
    idx = np.arange(rounds)  # rounds held in the working arrays
    b, Yw, Nw = beta, Y, N
    moving = np.ones(rounds, dtype=bool)
    # Single precision for the pair-sized work halves memory traffic; the sums (grad) and the
    # strengths stay double, which keeps the error far below `tol`.
    Y = Y.astype(np.float32)
    N = N.astype(np.float32)
    Yw, Nw = Y, N
    d = np.empty_like(Y)
    for _ in range(max_fixed):
        if not moving.any():
            break
        if moving.sum() < 0.6 * len(idx):
            beta[:, idx] = b
            idx, b, Yw, Nw = idx[moving], b[:, moving], Yw[:, moving], Nw[:, moving]
            d = np.empty_like(Yw)
            moving = np.ones(len(idx), dtype=bool)
        np.subtract(b[i], b[j], out=d, casting="same_kind")
        expit(d, out=d)
        d *= Nw
        d -= Yw
        grad = incidence @ d
        if lam:
            grad += lam * b
        if prior:
            grad += prior * (expit(b) - 0.5)
        step = h_inv @ grad
        step[:, ~moving] = 0.0
        b -= step
        size = np.abs(step).max(axis=0)
        moving &= ~(size < tol)  # NaN sizes stay "moving" and end up with the exact solver
    beta[:, idx] = b
    for r_idx in idx[moving]:  # rare: rounds that need the exact solver
        fit = fit_pairs(i, j, Y[:, r_idx].astype(float), N[:, r_idx].astype(float), m, opts, prior=prior or None)
        beta[:, r_idx] = fit.beta
    beta = beta.T
    return beta - beta.mean(axis=1, keepdims=True)
