"""The DRT fit: Tikhonov-regularised non-negative least squares.

Z(ω) = R_∞ + jωL + ∫ γ(ln τ) / (1 + jωτ) d ln τ is discretised on a basis
(:mod:`.basis`), and the weights x = (R_∞, L, γ-coefficients) ≥ 0 minimise

    Σ_m w_m² |Z_m − Ẑ_m|² + λ ∫ (dᵈγ/dyᵈ)² dy / Z_s²,   y = ln τ,

with modulus weights w_m = 1/|Z_m| by default (or w = 1/Z_s, "none"), Z_s = max |Z|.  In this
form λ is dimensionless and independent of the impedance's unit.  λ comes from GCV or the
L-curve (:mod:`.regularisation`).  The default, ``method="auto"``, takes GCV's λ, measures
the lag-1 autocorrelation r of the weighted residuals in frequency order, and keeps that λ
when r is within the 95 % bound of white noise (1.96/√n, n frequencies); otherwise the errors
are correlated, GCV undersmooths, and λ is chosen again by ``"cgcv"`` (GCV with the effective
number of independent data m(1 − r)/(1 + r)).  Simulated spectra with white noise keep GCV's
λ; measured spectra with a systematic misfit get a λ that no longer splits an arc into a
comb of narrow peaks (impedance.py's exampleData.csv: r = 0.64, λ 9e-10 → ~4e-5).  The bounded problem is solved with
:func:`scipy.optimize.nnls` on the Cholesky factor of the normal matrix (a square system of the
size of the basis).

The 95 % band is by default "bias-aware" (:mod:`.band`): the posterior spread of the problem
read as a Bayesian one, widened by a bound on the smoothing bias estimated from a less
regularised pilot solution, so that it covers the true γ near peaks too; ``band="posterior"``
gives the posterior band alone (calibrated on average across τ, not at sharp peaks).  With
``bootstrap=B`` it is instead a residual bootstrap: the weighted residuals (inflated by
√(m/(m − tr H)) for the degrees of freedom the fit used) are resampled with replacement,
added to the fitted model, and the non-negative problem is solved again at the same λ; the
band is the 2.5–97.5 % range of γ.  That shows only the spread caused by the noise at fixed
regularisation, not the smoothing bias (on 240 simulated spectra it covers the true γ at 78 %,
28 % near peaks, against the posterior band's 95 % and 61 % and the bias-aware band's 99 % and
92 %: ``benchmarks/bench_drt_coverage.py``).
"""

from __future__ import annotations

import math

import numpy as np
from ...fitting.threads import single_threaded_blas

from ...exceptions import AnalysisError
from ...limits import MAX_EIS_POINTS, check_points
from ...measurements import Spectrum
from .band import BANDS, bias_aware_band, posterior_band
from .basis import make_basis
from .peaks import DEFAULT_PROMINENCE, find_processes
from .regularisation import StandardForm, autocorrelation, choose_lambda
from .result import DRTResult

PARTS = ("both", "real", "imag")
METHODS = ("auto", "gcv", "mgcv", "rgcv", "cgcv", "lcurve")
WHITE_BOUND = 1.96  # 95 % bound of a white series' lag-1 autocorrelation: 1.96/√n
WEIGHTINGS = ("modulus", "none")
_FINE_PER_SPACING = 5
MAX_TAIL_BEND = 0.1  # largest change of the log–log slope of −Z'' over the tail's decade
OUTSIDE_WARNING = 0.1  # fraction of R_pol beyond the measured τ range that earns a warning
_RIDGE = 1e-8  # relative ridge making the penalty matrix definite (unpenalised R_∞, L)


def _check(spectrum: Spectrum) -> tuple[np.ndarray, np.ndarray]:
    f = np.asarray(spectrum.frequency_Hz, float)
    z = np.asarray(spectrum.impedance_ohm, complex)
    if f.size < 5:
        raise AnalysisError(f"DRT needs at least 5 frequencies (got {f.size})")
    check_points(f.size, MAX_EIS_POINTS, "the DRT", spectrum.source)
    if not (np.all(np.isfinite(f)) and np.all(np.isfinite(z))):
        raise AnalysisError("DRT: the spectrum contains non-finite values")
    if np.any(f <= 0):
        raise AnalysisError("DRT: frequencies must be positive")
    if np.unique(f).size < 3:
        raise AnalysisError("DRT needs at least 3 distinct frequencies")
    return f, z


#: a low-frequency decade whose phase stays below this is a blocking tail even if it bends
STRONG_TAIL_PHASE_DEG = -55.0


def blocking_exponent(frequency_Hz: np.ndarray, z: np.ndarray) -> float | None:
    """The exponent n of a blocking electrode's capacitive tail, or None if the spectrum has none.

    A tail is present when, over the lowest-frequency decade (at least 4 points), −Z'' rises
    as ω^−n with n ≥ 0.4 and the phase at the lowest frequency is below −40°: a series
    1/(Q (jω)^n) then dominates there.  n is the log–log slope of −Z'' against ω, clipped to
    [0.4, 1].  The DRT has no relaxation for such a tail (its τ → ∞), so without this term it
    spends its γ on spurious slow "processes" and the regularisation smooths away the arcs.
    """
    f = np.asarray(frequency_Hz, float)
    order = np.argsort(f)
    f, z = f[order], np.asarray(z, complex)[order]
    low = f <= f[0] * 10
    if low.sum() < 4:
        low = np.arange(f.size) < 4
    if np.any(z.imag[low] >= 0):
        return None
    x, y = np.log(f[low]), np.log(-z.imag[low])
    slope = -np.polyfit(x, y, 1)[0]
    phase = math.degrees(math.atan2(z.imag[0], z.real[0]))
    if slope < 0.4 or phase > -40:
        return None
    # a CPE is a straight line in log(−Z'') vs log ω; the high-frequency flank of a slow arc
    # bends (its slope goes from −1 towards 0 as the apex nears): reject a bend of > 0.1 —
    # unless the whole decade stays strongly capacitive (phase ≤ STRONG_TAIL_PHASE_DEG): an
    # ion-blocking cell whose tail bends only where electronic leakage begins to shunt it (the
    # demo's iBE|SE|iBE spectra: phase −61° to −73° over the lowest decade)
    strong = bool(np.all(np.degrees(np.angle(z[low])) <= STRONG_TAIL_PHASE_DEG))
    if low.sum() >= 5 and not strong:
        c2, c1, _ = np.polyfit(x, y, 2)
        if abs(2 * c2 * (x.max() - x.min())) > MAX_TAIL_BEND:
            return None
    if strong and low.sum() >= 5:
        # a bent blocking tail: the interface's own exponent is the steep, high-frequency end
        c2, c1, _ = np.polyfit(x, y, 2)
        slope = max(slope, -(2 * c2 * x.max() + c1))
    return float(min(max(slope, 0.4), 1.0))


def _design(f, z, basis, part, inductance, weighting, tail_n=None):
    """Weighted, column-scaled design matrix K, data y, column scales and bookkeeping."""
    omega = 2 * np.pi * f
    a_re, a_im = basis.impedance_matrices(omega)
    z_s = float(np.abs(z).max())
    if z_s <= 0:
        raise AnalysisError("DRT: the impedance is zero everywhere")
    w = 1.0 / np.maximum(np.abs(z), 1e-12 * z_s) if weighting == "modulus" else np.full(f.size, 1.0 / z_s)
    n = basis.n
    cols = []  # (name, real column, imaginary column, scale)
    if part != "imag":
        cols.append(("R_inf", np.ones(f.size), np.zeros(f.size), z_s))
    if inductance and part != "real":
        cols.append(("L", np.zeros(f.size), omega, z_s / omega.max()))
    if tail_n is not None:  # series 1/(Q (jω)^n), coefficient 1/Q ≥ 0
        cpe = np.exp(-tail_n * (np.log(omega) + 0.5j * np.pi))
        cols.append(("blocking", cpe.real, cpe.imag, z_s * omega.min() ** tail_n))
    n_rl = len(cols)
    scales = np.array([c[3] for c in cols] + [z_s] * n)
    re = np.column_stack([c[1] for c in cols] + [a_re]) if cols else a_re
    im = np.column_stack([c[2] for c in cols] + [a_im]) if cols else a_im
    blocks, data = [], []
    if part != "imag":
        blocks.append(w[:, None] * re)
        data.append(w * z.real)
    if part != "real":
        blocks.append(w[:, None] * im)
        data.append(w * z.imag)
    K = np.vstack(blocks) * scales[None, :]
    y = np.concatenate(data)
    names = [c[0] for c in cols]
    return K, y, scales, names, n_rl, (a_re, a_im, omega, w)


def _penalty(basis, derivative, n_rl):
    m_g = basis.penalty(derivative)
    n = basis.n + n_rl
    M = np.zeros((n, n))
    M[n_rl:, n_rl:] = m_g
    M += _RIDGE * float(np.mean(np.diag(m_g))) * np.eye(n)
    return M


class _Solver:
    """The non-negative solve at fixed λ, factorised once (reused by the bootstrap)."""

    def __init__(self, K: np.ndarray, M: np.ndarray, lam: float) -> None:
        self.K = K
        H = K.T @ K + lam * M
        from scipy.linalg import cho_factor  # scipy loads with the first DRT, not with sselab.eis

        c, _ = cho_factor(H, lower=False)
        self.C = np.triu(c)

    def solve(self, y: np.ndarray) -> np.ndarray:
        from scipy.linalg import solve_triangular
        from scipy.optimize import nnls

        d = solve_triangular(self.C, self.K.T @ y, trans="T", lower=False)
        x, _ = nnls(self.C, d, maxiter=50 * self.C.shape[1])
        return x


@single_threaded_blas()
def drt(
    spectrum: Spectrum,
    *,
    basis: str = "rbf",
    method: str = "auto",
    derivative: int = 2,
    n_tau: int | None = None,
    bootstrap: int = 0,
    inductance: bool = True,
    seed: int | None = None,
    part: str = "both",
    weighting: str = "modulus",
    lambda_value: float | None = None,
    prominence: float = DEFAULT_PROMINENCE,
    blocking: str | bool = "auto",
    band: str = "auto",
) -> DRTResult:
    """Distribution of relaxation times of an impedance spectrum.

    Parameters
    ----------
    spectrum : the measured spectrum (Z = Z' + jZ'', Z'' < 0 for capacitive arcs).
    basis : "rbf" (Gaussian, FWHM coefficient 0.5) or "pwl" (piecewise linear).
    method : λ selection: "auto" (default: GCV, or "cgcv" where GCV's residuals are
        autocorrelated), "gcv", "mgcv" (modified GCV, ρ = 2 for ≥ 50 data, Kim & Gu 2004),
        "rgcv" (robust GCV), "cgcv" (GCV for AR(1)-correlated errors) or "lcurve"; ignored
        when ``lambda_value`` is given.  The result's ``method`` says which one chose λ.
    derivative : order of the derivative penalised (0, 1 or 2).
    n_tau : number of basis functions (default: the spectrum's point density, ≤ 200).
    bootstrap : number of residual-bootstrap refits for a bootstrap band (0: none).
    inductance : fit a series inductance L ≥ 0.
    seed : seed of the bootstrap's random generator.
    part : fit "both" parts (default), only the "real" or only the "imag" part.
    weighting : "modulus" (1/|Z|, default) or "none".
    lambda_value : use this λ instead of choosing it (method is then "fixed").
    prominence : minimum peak prominence, fraction of max γ.
    blocking : fit a series constant-phase element for a blocking electrode's low-frequency
        tail: "auto" (default: where :func:`blocking_exponent` finds one), True (required;
        error if there is no tail) or False.
    band : the 95 % band: "bias-aware" (posterior spread plus a smoothing-bias allowance,
        :mod:`sselab.eis.drt.band`), "posterior", "bootstrap" (needs ``bootstrap`` > 0), "none",
        or "auto" (default: bootstrap when ``bootstrap`` > 0, else bias-aware).  The result's
        ``band`` (JSON key ``"band"``) names the one computed.

    Returns
    -------
    DRTResult

    Examples
    --------
    >>> import numpy as np
    >>> from sselab.measurements import Spectrum
    >>> f = np.logspace(6, -1, 71)
    >>> z = 10 + 100 / (1 + 2j * np.pi * f * 1e-3)
    >>> r = drt(Spectrum(frequency_Hz=f, impedance_ohm=z))
    >>> [(round(p.tau_s, 4), round(p.R_ohm)) for p in r.peaks]
    [(0.001, 100)]
    """
    if part not in PARTS:
        raise AnalysisError(f"part must be one of {PARTS} (got {part!r})")
    if weighting not in WEIGHTINGS:
        raise AnalysisError(f"weighting must be one of {WEIGHTINGS} (got {weighting!r})")
    if bootstrap < 0:
        raise AnalysisError(f"bootstrap must be ≥ 0 (got {bootstrap})")
    if band not in BANDS:
        raise AnalysisError(f"band must be one of {', '.join(BANDS)} (got {band!r})")
    if band == "auto":
        band = "bootstrap" if bootstrap > 0 else "bias-aware"
    if band == "bootstrap" and bootstrap == 0:
        raise AnalysisError("a bootstrap band needs bootstrap refits (--bootstrap N, N > 0)")
    if lambda_value is not None and not (math.isfinite(lambda_value) and lambda_value > 0):
        raise AnalysisError(f"lambda_value must be positive (got {lambda_value})")
    f, z = _check(spectrum)
    if blocking not in ("auto", True, False):
        raise AnalysisError(f"blocking must be 'auto', True or False (got {blocking!r})")
    tail_n = blocking_exponent(f, z) if blocking else None
    if blocking is True and tail_n is None:
        raise AnalysisError("DRT: a blocking electrode was asked for (--blocking yes), but the spectrum shows no "
                            "capacitive low-frequency tail (−Z'' rising towards low frequency with phase below −40°)")
    b = make_basis(f, basis, n_tau)
    K, y, scales, names, n_rl, (a_re, a_im, omega, w) = _design(f, z, b, part, inductance, weighting, tail_n)
    M = _penalty(b, derivative, n_rl)
    warnings: list[str] = []

    form = None
    autocorr = None
    if method not in METHODS:
        raise AnalysisError(f"method must be one of {METHODS} (got {method!r})")
    solver = None
    if lambda_value is None:
        form = StandardForm.build(K, y, M)
        used = method
        if method in ("auto", "cgcv"):
            lam = choose_lambda(form, "gcv")
            solver = _Solver(K, M, lam)  # kept when GCV's λ stands
            order = np.argsort(f)
            autocorr = autocorrelation(y - K @ solver.solve(y), order, y.size // f.size)
            bound = WHITE_BOUND / math.sqrt(f.size)
            used = "gcv"
            if method == "cgcv" or autocorr > bound:
                lam, solver = choose_lambda(form, "cgcv", autocorr, gcv_lambda=lam), None
                used = "cgcv"
                if method == "auto":
                    warnings.append(f"GCV's residuals are autocorrelated (r = {autocorr:.2f} > {bound:.2f} for white "
                                    "noise): λ chosen by GCV for correlated errors (cgcv)")
        else:
            lam = choose_lambda(form, method)
        grid = form.lambda_grid()
        if lam <= grid[1] or lam >= grid[-2]:
            warnings.append(f"λ = {lam:.3g} lies at the edge of the range searched")
    else:
        lam, used = float(lambda_value), "fixed"

    if solver is None:
        solver = _Solver(K, M, lam)
    xs = solver.solve(y)
    x = xs * scales
    coef = x[n_rl:]
    r_inf = x[names.index("R_inf")] if "R_inf" in names else 0.0
    ind = x[names.index("L")] if "L" in names else 0.0
    inv_q = x[names.index("blocking")] if "blocking" in names else 0.0
    z_g = a_re @ coef + 1j * (a_im @ coef)
    if inv_q > 0:  # the tail belongs to the model (and to R_∞/L's estimates below), not to γ
        z_g = z_g + inv_q * np.exp(-tail_n * (np.log(omega) + 0.5j * np.pi))
    if part == "imag":  # R_∞ is invisible in Z'': weighted mean of what the DRT leaves in Z'
        r_inf = max(0.0, float(np.sum(w**2 * (z.real - z_g.real)) / np.sum(w**2)))
    if part == "real" and inductance:  # L is invisible in Z': least squares on the rest of Z''
        ind = max(0.0, float(np.sum(w**2 * omega * (z.imag - z_g.imag)) / np.sum(w**2 * omega**2)))
    model = r_inf + z_g + 1j * omega * ind
    residuals = (z - model) / np.abs(z)

    n_fine = _FINE_PER_SPACING * (b.n - 1) + 1
    ln_fine = np.linspace(b.ln_tau[0], b.ln_tau[-1], n_fine)
    E = b.evaluate(ln_fine)
    gamma = E @ coef

    lower = upper = None
    if band == "posterior":
        lower, upper, _ = posterior_band(solver.C, K, y, xs, E, scales, n_rl)
    elif band == "bias-aware":
        lower, upper, _ = bias_aware_band(solver.C, K, y, xs, E, scales, n_rl, lam, M)
    elif band == "bootstrap":
        if form is None:
            form = StandardForm.build(K, y, M)
        fitted = K @ xs
        res = y - fitted
        dof = max(y.size - float(form.trace(lam)[0]), 1.0)
        res = res * math.sqrt(y.size / dof)
        rng = np.random.default_rng(seed)
        draws = np.empty((bootstrap, n_fine))
        for k in range(bootstrap):
            xb = solver.solve(fitted + rng.choice(res, size=res.size, replace=True))
            draws[k] = E @ (xb[n_rl:] * scales[n_rl:])
        lower, upper = np.percentile(draws, [2.5, 97.5], axis=0)

    window = (1.0 / (2 * math.pi * f.max()), 1.0 / (2 * math.pi * f.min()))
    peaks = find_processes(np.exp(ln_fine), gamma, prominence, window=window)
    outside = (ln_fine < math.log(window[0])) | (ln_fine > math.log(window[1]))
    r_all = float(np.trapezoid(gamma, ln_fine))
    r_out = float(np.trapezoid(np.where(outside, gamma, 0.0), ln_fine))
    if r_all > 0 and r_out > OUTSIDE_WARNING * r_all:
        warnings.append(f"{100 * r_out / r_all:.0f} % of the DRT's resistance lies beyond the measured τ range "
                        f"({window[0]:.3g}–{window[1]:.3g} s): a process the data do not resolve; it is not a peak"
                        + ("; beside a blocking tail, most likely electronic leakage bending the tail (a resistance "
                           "in parallel)" if inv_q > 0 else ""))
    if inv_q > 0 and blocking == "auto":
        warnings.append(f"a capacitive low-frequency tail was fitted as a series CPE (n = {tail_n:.3f}); if it is an "
                        "unresolved slow arc instead, use --blocking no (blocking=False in Python)")
    rms = float(np.sqrt(np.mean(np.abs(residuals) ** 2)))
    if rms > 0.05:
        warnings.append(f"the DRT leaves {100 * rms:.1f} % rms residual (check the data's Kramers–Kronig validity)")
    return DRTResult(
        tau_s=np.exp(ln_fine),
        gamma_ohm=gamma,
        R_inf_ohm=float(r_inf),
        L_H=float(ind),
        lambda_value=float(lam),
        method=used,
        derivative=int(derivative),
        part=part,
        weighting=weighting,
        frequency_Hz=f,
        impedance_ohm=z,
        residuals=residuals,
        peaks=tuple(peaks),
        basis=b,
        coefficients=coef,
        gamma_lower_ohm=lower,
        gamma_upper_ohm=upper,
        n_bootstrap=int(bootstrap) if band == "bootstrap" else 0,
        band=None if band == "none" else band,
        warnings=tuple(warnings),
        residual_autocorrelation=autocorr,
        blocking_Q=float(1 / inv_q) if inv_q > 0 else None,
        blocking_n=tail_n if inv_q > 0 else None,
    )
