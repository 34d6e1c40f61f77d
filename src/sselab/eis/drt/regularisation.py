"""Choice of the Tikhonov parameter λ: generalised cross-validation or the L-curve.

The problem is min ‖Kx − y‖² + λ xᵀMx.  With M = RᵀR (Cholesky) it is brought to standard
form, K R⁻¹ = U diag(s) Vᵀ, after which residual norm, seminorm and the trace of the
influence matrix are closed-form in λ:

* RSS(λ) = Σ (λ c_i /(s_i² + λ))² + ‖y⊥‖², c = Uᵀy, y⊥ the part of y outside range(U);
* ‖Rx‖²(λ) = Σ (s_i c_i /(s_i² + λ))²;
* tr H(λ) = Σ s_i² /(s_i² + λ).

GCV (Golub, Heath, Wahba, Technometrics 21 (1979) 215) minimises
G(λ) = (RSS/m) / (1 − tr H/m)²; modified GCV (Kim & Gu 2004) counts each degree of freedom
ρ times, G_ρ(λ) = (RSS/m) / (1 − ρ tr H/m)²; robust GCV (Lukas, de Hoog, Anderssen, Comput.
Statist. 31 (2016) 269) minimises (ξ + (1 − ξ) tr H²/m) G(λ), ξ = 0.2 (m < 100) or 0.3.

GCV assumes independent errors.  When they are positively correlated from one frequency to
the next (drift, a model that misses a smooth detail, non-ideal cabling), GCV takes the
correlated part for signal and chooses far too small a λ (Opsomer, Wang, Yang, Stat. Sci. 16
(2001) 134): the DRT then rings into many narrow peaks.  :func:`autocorrelation` measures the
lag-1 autocorrelation r of the residuals in frequency order; ``"cgcv"`` is GCV with the
effective number of independent data of an AR(1) series, m (1 − r)/(1 + r), i.e. G_ρ with
ρ = (1 + r)/(1 − r); its λ is capped where RSS reaches min(ρ, 4) times GCV's RSS (an AR(1)
error's variance is at most ρ times what an undersmoothing fit leaves in the residuals, and
the rms misfit is never allowed more than to double), so that a
misfit that is not noise at all (noise-free data on a basis that cannot represent a delta
DRT exactly: r ≈ 0.9) is not smoothed away.  The solver's default ``"auto"`` uses it only where r exceeds the 95 %
bound of white noise, 1.96/√n (see :mod:`.solver`).  The L-curve (Hansen, SIAM Rev. 34 (1992) 561) takes the
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

from ...exceptions import AnalysisError

METHODS = ("gcv", "mgcv", "rgcv", "cgcv", "lcurve")
#: Largest residual autocorrelation used by "cgcv" (ρ = 19): beyond it the data are one smooth curve.
MAX_AUTOCORRELATION = 0.9
#: "cgcv" never lets RSS grow beyond this factor over plain GCV's (rms misfit at most doubles):
#: a Debye (delta-function) DRT on an RBF basis leaves correlated residuals that are not noise
MAX_RSS_GROWTH = 4.0
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
        from scipy.linalg import cholesky, solve_triangular, svd  # loaded with the first DRT, not sselab.eis

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

    def trace2(self, lam: np.ndarray) -> np.ndarray:
        """tr H² (used by robust GCV)."""
        lam = np.atleast_1d(lam)[:, None]
        return ((self.s**2 / (self.s**2 + lam)) ** 2).sum(axis=1)

    def rgcv(self, lam: np.ndarray) -> np.ndarray:
        """Robust GCV, (ξ + (1 − ξ) tr H²/m) G(λ)."""
        xi = 0.2 if self.m < 100 else 0.3
        return (xi + (1.0 - xi) * self.trace2(lam) / self.m) * self.gcv(lam)

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


def autocorrelation(residuals: np.ndarray, order: np.ndarray, blocks: int) -> float:
    """Mean lag-1 autocorrelation of the residuals in frequency order.

    Parameters
    ----------
    residuals : stacked residuals, ``blocks`` consecutive blocks of n values (Z' then Z'').
    order : the permutation that sorts the n frequencies.
    blocks : number of blocks (1 or 2).

    Examples
    --------
    >>> r = np.sin(np.linspace(0, 3, 40))
    >>> autocorrelation(r, np.arange(40), 1) > 0.8
    True
    """
    n = order.size
    out = []
    for k in range(blocks):
        e = residuals[k * n : (k + 1) * n][order]
        e = e - e.mean()
        den = float(e @ e)
        if den > 0:
            out.append(float(e[1:] @ e[:-1]) / den)
    return float(np.mean(out)) if out else 0.0


def _min_on_grid(form: StandardForm, grid: np.ndarray, score) -> float:
    g = score(grid)
    i = int(np.nanargmin(g))
    from scipy.optimize import minimize_scalar

    lo, hi = np.log(grid[max(i - 1, 0)]), np.log(grid[min(i + 1, grid.size - 1)])
    res = minimize_scalar(lambda t: float(score(np.exp(t))[0]), bounds=(lo, hi), method="bounded")
    return float(np.exp(res.x)) if res.fun <= g[i] else float(grid[i])


def choose_lambda(form: StandardForm, method: str, autocorr: float = 0.0, gcv_lambda: float | None = None) -> float:
    """λ by ``"gcv"``, ``"mgcv"``, ``"rgcv"``, ``"cgcv"`` (global minimum on a grid, refined)
    or ``"lcurve"`` (maximum curvature).

    ``autocorr`` is the residuals' lag-1 autocorrelation used by ``"cgcv"`` (clipped to
    [0, 0.9]; 0 makes it plain GCV); ``gcv_lambda``, plain GCV's λ when the caller has it
    already, sets cgcv's RSS ceiling without searching for it again.
    """
    if method not in METHODS:
        raise AnalysisError(f"method must be one of {METHODS} (got {method!r})")
    grid = form.lambda_grid()
    if method in ("gcv", "mgcv", "cgcv"):
        if method == "gcv":
            rho = 1.0
        elif method == "mgcv":
            rho = 2.0 if form.m >= 50 else 1.3
        else:
            r = min(max(float(autocorr), 0.0), MAX_AUTOCORRELATION)
            rho = (1.0 + r) / (1.0 - r)

        def score(lam: np.ndarray) -> np.ndarray:
            g = form.gcv(lam, rho)
            return np.where(rho * form.trace(lam) >= form.m, np.inf, g)

        if np.isfinite(score(grid)).any():
            lam = _min_on_grid(form, grid, score)
        else:  # ρ·tr H ≥ m everywhere (strong correlation, few data): smooth up to the RSS ceiling below
            lam = float(grid[-1])
        if method == "cgcv" and rho > 1.0:
            if gcv_lambda is None:
                gcv_lambda = _min_on_grid(form, grid, lambda x: form.gcv(x))
            rss_gcv = float(form.rss(gcv_lambda)[0])
            ceiling = min(rho, MAX_RSS_GROWTH) * rss_gcv
            ok = grid[form.rss(grid) <= ceiling]
            if ok.size and lam > ok[-1]:
                lam = float(ok[-1])
        return lam
    if method == "rgcv":
        return _min_on_grid(form, grid, form.rgcv)
    kappa = form.lcurve_curvature(grid)
    kappa[:3] = kappa[-3:] = -np.inf  # one-sided differences at the ends
    rss = form.rss(grid)
    kappa[rss > LCURVE_RSS_FACTOR * rss.min()] = -np.inf  # not the far corner where γ → 0
    i = int(np.nanargmax(kappa))
    if not np.isfinite(kappa[i]) or kappa[i] <= 0:
        raise AnalysisError("the L-curve has no corner; use method='gcv'")
    return float(grid[i])
