"""The DRT's 95 % credible band: the posterior of the Tikhonov problem read as a Bayesian one.

Tikhonov regularisation with penalty λ xᵀMx is the posterior mode of a Gaussian model: data
y ~ N(Kx, σ²) and prior x ~ N(0, σ²/λ · M⁻¹).  The posterior covariance of the weights is
σ² (KᵀK + λM)⁻¹, so γ(τ) = E x has the pointwise standard deviation
σ √(eᵀ (KᵀK + λM)⁻¹ e), with σ² = RSS/(m − tr H) at the chosen λ (H the hat matrix).  Unlike a
bootstrap at fixed λ, which shows only the spread the noise causes, this band also holds the
smoothing bias on average across τ: Wahba's (1983) Bayesian intervals, whose coverage averaged
over the curve is the nominal one (Nychka 1988).  It is not uniform in τ: where γ bends most
— at sharp peaks — the bias exceeds the band and coverage there is lower (measured by
``benchmarks/bench_drt_coverage.py``: about 93 % averaged over the measured τ window, about
half near the peaks of narrow ZARC arcs).  The band is centred on the non-negative solution and
clipped at γ = 0.

Example
-------
>>> import numpy as np
>>> from sselab.eis.drt import drt
>>> from sselab.measurements import Spectrum
>>> f = np.logspace(6, -1, 71)
>>> rng = np.random.default_rng(0)
>>> z = (10 + 100 / (1 + 2j * np.pi * f * 1e-3)) * (1 + 0.005 * rng.standard_normal(71))
>>> r = drt(Spectrum(frequency_Hz=f, impedance_ohm=z))
>>> r.band, bool(np.all(r.gamma_lower_ohm <= r.gamma_ohm)), bool(np.all(r.gamma_ohm <= r.gamma_upper_ohm))
('posterior', True, True)
"""

from __future__ import annotations

import numpy as np

#: band choices of :func:`sselab.eis.drt.drt` ("auto": the bootstrap when refits are asked for, else posterior)
BANDS = ("auto", "posterior", "bootstrap", "none")
LEVEL = 0.95
Z_LEVEL = 1.959963984540054  # two-sided 95 % point of the normal distribution


def posterior_band(C: np.ndarray, K: np.ndarray, y: np.ndarray, xs: np.ndarray, E: np.ndarray,
                   scales: np.ndarray, n_rl: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower and upper 95 % limits of γ and its posterior standard deviation.

    Parameters
    ----------
    C : upper Cholesky factor of KᵀK + λM (column-scaled problem).
    K, y : the weighted, column-scaled design matrix and data.
    xs : the non-negative solution (scaled weights).
    E : basis functions evaluated on the output τ grid (rows: τ, columns: basis functions).
    scales : column scales (R_∞/L/blocking columns first, then the basis).
    n_rl : number of leading non-γ columns.
    """
    from scipy.linalg import solve_triangular

    A = solve_triangular(C, K.T, trans="T", lower=False)  # C⁻ᵀKᵀ: tr H = ‖A‖²
    dof = max(y.size - float(np.sum(A**2)), 1.0)
    resid = y - K @ xs
    sigma2 = float(resid @ resid) / dof
    Es = np.zeros((E.shape[0], C.shape[0]))
    Es[:, n_rl:] = E * scales[n_rl:]
    V = solve_triangular(C, Es.T, trans="T", lower=False)
    sd = np.sqrt(sigma2 * np.sum(V**2, axis=0))
    gamma = Es @ xs
    return np.maximum(gamma - Z_LEVEL * sd, 0.0), gamma + Z_LEVEL * sd, sd
