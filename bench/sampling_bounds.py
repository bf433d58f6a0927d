"""What any pair-sampling rule can save on a given truth, from expected (not simulated) votes.

Used by bench/sampling_bench.py. Votes follow the bench's model: Bradley-Terry on the truth, ties
likelier between close models, a tie half a win. For a design (share of votes per pair) the
board's sandwich covariance after N votes is cov1 / N, with cov1 = H^+ M H^+ (centred), H the
Laplacian of share * p(1-p) and M of share * E(y - p)^2 at the ratings the fit converges to.

- Votes until every 95% interval is narrower than +-HALF: N = (1.96 c / HALF)^2 max_k cov1_kk.
- Lower bound on that for ANY rule, adaptive or not: a vote on (a, b) adds at most
  e_ab = p(1-p)^2 / E(y-p)^2 to the information of a and of b (its best case is a near tie), the
  variance of model k against the mean is at least (1 - 1/m)^2 / I_kk (Cauchy-Schwarz, I a
  Laplacian), so model k needs n_k >= (1-1/m)^2 / (V e_max(k)) votes, V the target variance,
  and N >= sum_k n_k / 2 (each vote serves two models).
- Votes until Kendall tau >= 0.95: expected discordant pairs sum Phi(-|d_ij| sqrt(N) / s_ij).
  The tau-optimal fixed design for the known truth (multiplicative updates on the pair shares)
  is a reference, not a bound: an adaptive rule also reacts to the noise it sees.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, ndtr

C = 400 / np.log(10)
Z95 = 1.959963984540054


def laplacian(ii: np.ndarray, jj: np.ndarray, w: np.ndarray, m: int) -> np.ndarray:
    out = np.zeros((m, m))
    out[ii, jj] = -w
    out[jj, ii] = -w
    out[np.diag_indices(m)] = -out.sum(axis=1)
    return out


class Truth:
    """Expected outcomes of every pair under the bench's vote model, and the fitted ratings."""

    def __init__(self, strengths: np.ndarray, tie_rate):
        m = len(strengths)
        self.m, self.truth = m, strengths
        self.ii, self.jj = np.triu_indices(m, 1)
        p_true = expit(strengths[self.ii] - strengths[self.jj])
        tie = tie_rate(p_true)
        ey = tie / 2 + (1 - tie) * p_true
        ey2 = tie / 4 + (1 - tie) * p_true
        beta = strengths.copy()  # ties pull the fitted ratings together: fit them
        for _ in range(30):
            p = expit(beta[self.ii] - beta[self.jj])
            grad = np.bincount(self.ii, ey - p, m) - np.bincount(self.jj, ey - p, m)
            hess = laplacian(self.ii, self.jj, p * (1 - p), m) + 1e-9 * np.eye(m)
            beta = beta + np.linalg.solve(hess, grad)
            beta -= beta.mean()
        p = expit(beta[self.ii] - beta[self.jj])
        self.beta, self.w, self.meat = beta, p * (1 - p), ey2 - 2 * ey * p + p * p

    def cov1(self, share: np.ndarray) -> np.ndarray:
        h_inv = np.linalg.pinv(laplacian(self.ii, self.jj, share * self.w, self.m))
        centre = np.eye(self.m) - 1 / self.m
        return centre @ h_inv @ laplacian(self.ii, self.jj, share * self.meat, self.m) @ h_inv @ centre

    def votes_for_ci(self, share: np.ndarray, half: float) -> float:
        return float((Z95 * C / half) ** 2 * np.diag(self.cov1(share)).max())

    def ci_lower_bound(self, half: float) -> float:
        best = np.zeros((self.m, self.m))
        best[self.ii, self.jj] = self.w**2 / self.meat
        best = np.maximum(best, best.T).max(axis=1)
        target_var = (half / (Z95 * C)) ** 2
        return float(((1 - 1 / self.m) ** 2 / (target_var * best)).sum() / 2)

    def _tau_parts(self, share):
        cov = self.cov1(share)
        var = np.diag(cov)
        s1 = np.sqrt(np.clip(var[self.ii] + var[self.jj] - 2 * cov[self.ii, self.jj], 1e-15, None))
        gap = np.abs(self.beta[self.ii] - self.beta[self.jj])
        return cov, s1, gap

    def votes_for_tau(self, share: np.ndarray, goal: float) -> float:
        _, s1, gap = self._tau_parts(share)
        keep = self.truth[self.ii] != self.truth[self.jj]  # tied truths count for neither side
        s1, gap = s1[keep], gap[keep]
        lo, hi = 1e3, 1e8
        for _ in range(60):
            mid = np.sqrt(lo * hi)
            tau = 1 - 2 * ndtr(-gap * np.sqrt(mid) / s1).sum() / keep.sum()
            lo, hi = (mid, hi) if tau < goal else (lo, mid)
        return float(hi)

    def tau_design(self, goal: float, rounds: int = 100) -> np.ndarray:
        """Pair shares that (locally) minimise the votes until tau >= goal, for the known truth."""
        ii, jj = self.ii, self.jj
        share = np.full(len(ii), 1 / len(ii))
        for _ in range(rounds):
            n = self.votes_for_tau(share, goal)
            cov, s1, gap = self._tau_parts(share)
            z = gap * np.sqrt(n) / s1
            # d/dvar of Phi(-gap/s) is phi(z) z / (2 s^2); the variance falls by w (c'cov e)^2
            g = laplacian(ii, jj, np.exp(-0.5 * z * z) * z / s1**2, self.m)
            mm = cov @ g @ cov
            gain = self.w * np.clip(mm[ii, ii] + mm[jj, jj] - 2 * mm[ii, jj], 1e-30, None)
            share = share * np.sqrt(gain / (share @ gain))
            share /= share.sum()
        return share


def report(strengths: np.ndarray, tie_rate, tau_goal: float, half: float) -> list[str]:
    t = Truth(strengths, tie_rate)
    uniform = np.full(len(t.ii), 1 / len(t.ii))
    ci_u, tau_u = t.votes_for_ci(uniform, half), t.votes_for_tau(uniform, tau_goal)
    ci_lb = t.ci_lower_bound(half)
    tau_opt = t.votes_for_tau(t.tau_design(tau_goal), tau_goal)
    return [
        f"  expected votes, uniform pairing: every CI < +-{half:g} at {ci_u:,.0f}; tau >= {tau_goal} at {tau_u:,.0f}",
        f"  every CI < +-{half:g}: no rule needs fewer than {ci_lb:,.0f} votes -> at most "
        f"{1 - ci_lb / ci_u:.0%} fewer than uniform (expected figures)",
        f"  tau >= {tau_goal}: the best fixed design for the known truth needs {tau_opt:,.0f} "
        f"({1 - tau_opt / tau_u:.0%} fewer than uniform; a reference, not a bound)",
    ]
