"""The DRT's 95 % band: posterior spread plus an allowance for the smoothing bias.

Tikhonov regularisation with penalty λ xᵀMx is the posterior mode of a Gaussian model: data
y ~ N(Kx, σ²) and prior x ~ N(0, σ²/λ · M⁻¹).  The posterior covariance of the weights is
σ² (KᵀK + λM)⁻¹, so γ(τ) = E x has the pointwise standard deviation
σ √(eᵀ (KᵀK + λM)⁻¹ e), with σ² = RSS/(m − tr H) at the chosen λ (H the hat matrix).  This
``"posterior"`` band (Wahba's 1983 Bayesian intervals) holds the smoothing bias only on
average across τ: where γ bends most — at the peaks — the estimate is flattened by more than
the band is wide (``benchmarks/bench_drt_coverage.py``: 95 % of the τ points in the measured
window covered, but only about 60 % near peaks).

The default ``"bias-aware"`` band widens it by a bound on that bias.  The solution at λ
has the bias b = −λ (KᵀK + λM)⁻¹ M x_true.  Plugging in the regularised solution itself
underestimates abs(b) (it is flattened already; a plug-in correction gained 4 points of coverage
near peaks).  Here x_true is replaced by a pilot: the non-negative solution at λ/100, which
resolves peaks far better, and the band is

    γ̂ ± (1.96 σ_post + κ abs(b̂)),   b̂ = −λ E (KᵀK + λM)⁻¹ M x_pilot,   κ = 2.5,

clipped at γ = 0.  The band grows where the curvature is high (peaks, their flanks) and
stays close to the posterior band where γ is smooth.  κ > 1 because even the pilot is
smoothed: for a Gaussian peak of width w smoothed at scale h the plug-in bias underestimates
the true one by a factor of 2 (h = w) to 5 (h = 2w).  κ = 2.5 and the pilot ratio 100 are
calibration constants, set on the 240 simulated spectra of ``benchmarks/bench_drt_coverage.py``
(seed 0: κ = 2 gave 91 %, 2.5 94 %, 3 96 % near peaks) and checked on others: seed 1, 92 %
of the τ points near peaks covered (96 % without near-Debye arcs, n = 0.95–0.97), 99 %
over the whole window (conservative away from peaks), mean width 0.22 of the peak height
away from peaks (posterior band: 0.15) and 0.65 near them (0.23);
tests/eis_drt/test_drt_band_coverage.py checks ≥ 80 % near peaks on 30 further spectra.
Peaks narrower than the basis functions (ZARC n ≳ 0.95 on the default grid) cannot be
represented and keep a lower coverage (73–87 %).  This is not a posterior: it is a
frequentist allowance for bias, calibrated by simulation.

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
('bias-aware', True, True)
"""

from __future__ import annotations

import math

import numpy as np

#: band choices of :func:`sselab.eis.drt.drt` ("auto": the bootstrap when refits are asked for, else bias-aware)
BANDS = ("auto", "bias-aware", "posterior", "bootstrap", "none")
BIAS_FACTOR = 2.5  # κ: the bias allowance is κ abs(b̂) (see the module docstring)
PILOT_RATIO = 100.0  # the pilot solution's λ is λ / PILOT_RATIO
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


def bias_aware_band(C: np.ndarray, K: np.ndarray, y: np.ndarray, xs: np.ndarray, E: np.ndarray,
                    scales: np.ndarray, n_rl: int, lam: float,
                    M: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower and upper 95 % limits of γ with a smoothing-bias allowance, and the bias estimate.

    The half-width is 1.96 σ_post + κ abs(b̂) (module docstring), b̂ the bias of the solution at
    λ computed from the non-negative pilot solution at λ / ``PILOT_RATIO``.  Parameters as in
    :func:`posterior_band`, and λ with the penalty matrix M (column-scaled problem).

    Returns
    -------
    lower, upper : the band on the τ grid of ``E`` [Ω].
    bias : b̂ on the same grid [Ω] (negative where γ̂ lies below the pilot, e.g. at peaks).
    """
    from scipy.linalg import cho_solve, cholesky
    from scipy.optimize import nnls

    _, _, sd = posterior_band(C, K, y, xs, E, scales, n_rl)
    # the pilot as a stacked least-squares problem [K; √(λ/r) R] (M = RᵀR): no normal matrix,
    # which can lose definiteness at small λ
    R = cholesky(M, lower=False)
    A = np.vstack([K, math.sqrt(lam / PILOT_RATIO) * R])
    x_p, _ = nnls(A, np.concatenate([y, np.zeros(R.shape[0])]), maxiter=50 * A.shape[1])
    Es = np.zeros((E.shape[0], C.shape[0]))
    Es[:, n_rl:] = E * scales[n_rl:]
    bias = -Es @ cho_solve((C, False), lam * (M @ x_p))
    gamma = Es @ xs
    half = Z_LEVEL * sd + BIAS_FACTOR * np.abs(bias)
    return np.maximum(gamma - half, 0.0), gamma + half, bias
