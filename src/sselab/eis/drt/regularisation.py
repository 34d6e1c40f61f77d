"""Choice of the Tikhonov parameter λ: generalised cross-validation or the L-curve.

The problem is min ‖Kx − y‖² + λ xᵀMx.  With M = RᵀR (Cholesky) it is brought to standard
form, K R⁻¹ = U diag(s) Vᵀ, after which residual norm, seminorm and the trace of the
influence matrix are closed-form in λ:

* RSS(λ) = Σ (λ c_i /(s_i² + λ))² + ‖y⊥‖², c = Uᵀy, y⊥ the part of y outside range(U);
* ‖Rx‖²(λ) = Σ (s_i c_i /(s_i² + λ))²;
* tr H(λ) = Σ s_i² /(s_i² + λ).

GCV (Golub, Heath, Wahba, Technometrics 21 (1979) 215) minimises
G(λ) = (RSS/m) / (1 − tr H/m)²; the L-curve (Hansen, SIAM Rev. 34 (1992) 561) takes the
λ of maximum curvature of (log RSS, log ‖Rx‖²), searched where RSS ≤ 4 × its minimum
(the curve has a second corner at large λ, where γ is flattened towards zero).  As in pyDRTtools, λ is chosen on the
unconstrained (ridge) problem; the non-negative solution is then computed at that λ.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> K = np.vander(np.linspace(0, 1, 40), 8, increasing=True)
>>> y = K @ np.ones(8) + 0.01 * rng.standard_normal(40)
>>> lam = choose_lambda(StandardForm.build(K, y, np.eye(8)), "gcv")
>>> 0 < lam < 1
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import cholesky, solve_triangular, svd
from scipy.optimize import minimize_scalar

from ...exceptions import AnalysisError

METHODS = ("gcv", "mgcv", "lcurve")
LAMBDA_RANGE = (1e-12, 1e4)  # λ searched (the problem is dimensionless, see solver)
_PER_DECADE = 20
LCURVE_RSS_FACTOR = 4.0  # the L-curve corner is sought where RSS ≤ 4 · min RSS


@dataclass(frozen=True, eq=False)
class StandardForm:
    """Singular values and projected data of the standard-form problem."""

    s: np.ndarray
    c: np.ndarray
    rss_perp: float
    m: int

    @classmethod
    def build(cls, K: np.ndarray, y: np.ndarray, M: np.ndarray) -> "StandardForm":
        """Decompose for ‖Kx − y‖² + λ xᵀMx (M symmetric positive definite)."""
        R = cholesky(M, lower=False)
        Kt = solve_triangular(R, K.T, trans="T", lower=False).T  # K R⁻¹
        U, s, _ = svd(Kt, full_matrices=False)
        c = U.T @ y
        perp = y - U @ c
        return cls(s=s, c=c, rss_perp=float(perp @ perp), m=int(y.size))

    def rss(self, lam: np.ndarray) -> np.ndarray:
        lam = np.atleast_1d(lam)[:, None]
        f = lam / (self.s**2 + lam)
        return ((f * self.c) ** 2).sum(axis=1) + self.rss_perp

    def seminorm(self, lam: np.ndarray) -> np.ndarray:
        lam = np.atleast_1d(lam)[:, None]
        return ((self.s * self.c / (self.s**2 + lam)) ** 2).sum(axis=1)

    def trace(self, lam: np.ndarray) -> np.ndarray:
        lam = np.atleast_1d(lam)[:, None]
        return (self.s**2 / (self.s**2 + lam)).sum(axis=1)

    def gcv(self, lam: np.ndarray, rho: float = 1.0) -> np.ndarray:
        """G(λ) = (RSS/m) / (1 − ρ tr H/m)² (ρ = 1: GCV; ρ > 1: modified GCV)."""
        return (self.rss(lam) / self.m) / (1.0 - rho * self.trace(lam) / self.m) ** 2

    def lcurve_curvature(self, lam: np.ndarray) -> np.ndarray:
        """Signed curvature of (ln RSS, ln ‖Rx‖²) along ln λ; positive at the corner."""
        lam = np.atleast_1d(lam)
        t = np.log(lam)
        rho, eta = self.rss(lam), self.seminorm(lam)
        L = lam[:, None]
        deta = -2.0 * (self.s**2 * self.c**2 / (self.s**2 + L) ** 3).sum(axis=1)  # dη/dλ
        drho = -lam * deta  # dRSS/dλ = −λ dη/dλ
        x1, y1 = lam * drho / rho, lam * deta / eta  # d ln/d ln λ
        x2, y2 = np.gradient(x1, t), np.gradient(y1, t)
        return (x1 * y2 - x2 * y1) / (x1**2 + y1**2) ** 1.5

    def lambda_grid(self) -> np.ndarray:
        lo, hi = np.log10(LAMBDA_RANGE)
        return np.logspace(lo, hi, int((hi - lo) * _PER_DECADE) + 1)


def choose_lambda(form: StandardForm, method: str) -> float:
    """λ by ``"gcv"`` (global minimum on a grid, refined) or ``"lcurve"`` (maximum curvature)."""
    if method not in METHODS:
        raise AnalysisError(f"method must be one of {METHODS} (got {method!r})")
    grid = form.lambda_grid()
    if method in ("gcv", "mgcv"):
        rho = 1.0 if method == "gcv" else (2.0 if form.m >= 50 else 1.3)
        g = form.gcv(grid, rho)
        g[rho * form.trace(grid) >= form.m] = np.inf
        i = int(np.nanargmin(g))
        lo, hi = np.log(grid[max(i - 1, 0)]), np.log(grid[min(i + 1, grid.size - 1)])
        res = minimize_scalar(lambda t: float(form.gcv(np.exp(t), rho)[0]), bounds=(lo, hi), method="bounded")
        return float(np.exp(res.x)) if res.fun <= g[i] else float(grid[i])
    kappa = form.lcurve_curvature(grid)
    kappa[:3] = kappa[-3:] = -np.inf  # one-sided differences at the ends
    rss = form.rss(grid)
    kappa[rss > LCURVE_RSS_FACTOR * rss.min()] = -np.inf  # not the far corner where γ → 0
    i = int(np.nanargmax(kappa))
    if not np.isfinite(kappa[i]) or kappa[i] <= 0:
        raise AnalysisError("the L-curve has no corner; use method='gcv'")
    return float(grid[i])
