"""Discretisation of the DRT: the τ grid, the basis functions and their matrices.

The distribution γ(y), y = ln τ, is written as γ(y) = Σ_n x_n φ_n(y) with either

* ``"rbf"``: Gaussian radial basis functions φ_n(y) = exp(−(ε (y − y_n))²) centred on the
  grid (Wan, Saccoccio, Chen, Ciucci, Electrochim. Acta 184 (2015) 483).  The shape factor
  follows pyDRTtools' "FWHM coefficient" convention with coefficient 0.5:
  ε = 0.5 · 2√(ln 2) / Δ, i.e. each Gaussian's full width at half maximum is 2Δ, where Δ is
  the grid spacing in ln τ;
* ``"pwl"``: piecewise-linear hat functions on the grid (γ linear between nodes).

For each basis the module builds the impedance matrices A_re, A_im with
∫ φ_n(y) / (1 + jωe^y) dy = A_re + j A_im (by quadrature, accurate to ~1e-12), the
evaluation matrix (γ on any y) and the Gram matrix of the d-th derivative used by the
Tikhonov penalty ∫ (dᵈγ/dyᵈ)² dy.

Examples
--------
>>> import numpy as np
>>> b = make_basis(np.logspace(6, -1, 71), "rbf")
>>> b.n, round(b.epsilon * b.spacing, 4)
(91, 0.8326)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import hermite

from ...exceptions import AnalysisError
from ...limits import MAX_N_TAU

#: Decades by which the τ grid extends beyond 1/(2π f_max) and 1/(2π f_min).
EXTEND_DECADES = 1.0
#: pyDRTtools' "FWHM coefficient": FWHM of each Gaussian = spacing / coefficient.
FWHM_COEFFICIENT = 0.5
#: Largest default number of basis functions.
MAX_DEFAULT_N_TAU = 200
BASES = ("rbf", "pwl")

_RBF_HALF_WIDTH = 7.5  # quadrature range ±7.5/ε (exp(-56) beyond)
_RBF_STEP = 0.5  # trapezoid step 0.5/ε: spectrally accurate for a Gaussian × analytic kernel
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(12)


def _kernel(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Real and imaginary parts of 1/(1 + j e^u), written without overflow."""
    return 0.5 * (1.0 - np.tanh(u)), -0.5 / np.cosh(np.clip(u, -700, 700))


@dataclass(frozen=True, eq=False)
class Basis:
    """Basis functions on a uniform grid in ln τ.

    Attributes
    ----------
    kind : "rbf" or "pwl".
    ln_tau : centres y_n = ln τ_n [ln s], ascending, uniformly spaced.
    epsilon : Gaussian shape factor ε [1/(ln s)] (0 for "pwl").
    """

    kind: str
    ln_tau: np.ndarray
    epsilon: float

    @property
    def n(self) -> int:
        return int(self.ln_tau.size)

    @property
    def spacing(self) -> float:
        """Δ, the grid spacing in ln τ."""
        return float(self.ln_tau[1] - self.ln_tau[0])

    def _nodes(self) -> tuple[np.ndarray, np.ndarray]:
        """Quadrature offsets x_k from a centre and weights w_k·φ(x_k)."""
        if self.kind == "rbf":
            h = _RBF_STEP / self.epsilon
            k = np.arange(-int(_RBF_HALF_WIDTH / _RBF_STEP), int(_RBF_HALF_WIDTH / _RBF_STEP) + 1)
            x = k * h
            return x, h * np.exp(-((self.epsilon * x) ** 2))
        d = self.spacing
        half = 0.5 * d * (_GL_NODES + 1.0)  # Gauss–Legendre on [0, Δ]
        x = np.concatenate([-half[::-1], half])
        w = np.concatenate([_GL_WEIGHTS[::-1], _GL_WEIGHTS]) * 0.5 * d
        return x, w * (1.0 - np.abs(x) / d)

    def impedance_matrices(self, omega: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(A_re, A_im), shape (len(ω), n): ∫ φ_n(y)/(1 + jωe^y) dy split in real and imaginary."""
        x, w = self._nodes()
        u = np.log(np.asarray(omega, float))[:, None, None] + self.ln_tau[None, :, None] + x
        k_re, k_im = _kernel(u)
        return k_re @ w, k_im @ w

    def evaluate(self, ln_tau: np.ndarray) -> np.ndarray:
        """Matrix E with γ(ln_tau) = E @ x, shape (len(ln_tau), n)."""
        dy = np.asarray(ln_tau, float)[:, None] - self.ln_tau[None, :]
        if self.kind == "rbf":
            return np.exp(-((self.epsilon * dy) ** 2))
        return np.clip(1.0 - np.abs(dy) / self.spacing, 0.0, None)

    def penalty(self, derivative: int) -> np.ndarray:
        """Gram matrix M with xᵀMx = ∫ (dᵈγ/dyᵈ)² dy (d = 0, 1, 2).

        Exact for the Gaussians (Hermite-polynomial closed form of the derivatives of their
        autocorrelation); for hat functions d = 1 is exact, d = 2 uses second differences
        of the nodal values and d = 0 the lumped mass Δ·I.
        """
        if derivative not in (0, 1, 2):
            raise AnalysisError(f"derivative must be 0, 1 or 2 (got {derivative!r})")
        if self.kind == "rbf":
            b = 0.5 * self.epsilon**2
            delta = self.ln_tau[:, None] - self.ln_tau[None, :]
            coeffs = np.zeros(2 * derivative + 1)
            coeffs[-1] = 1.0
            s = math.sqrt(math.pi / 2) / self.epsilon
            h = hermite.hermval(math.sqrt(b) * delta, coeffs)
            return (-1) ** derivative * s * b**derivative * h * np.exp(-b * delta**2)
        d = self.spacing
        if derivative == 0:
            return d * np.eye(self.n)
        diff = np.diff(np.eye(self.n), n=derivative, axis=0) / d**derivative
        return d * diff.T @ diff


def make_basis(frequency_Hz: np.ndarray, kind: str = "rbf", n_tau: int | None = None) -> Basis:
    """The basis for a spectrum: τ from 1/(2π f_max)/10 to 10/(2π f_min), uniform in ln τ.

    Parameters
    ----------
    frequency_Hz : measured frequencies [Hz].
    kind : "rbf" (Gaussian, default) or "pwl" (piecewise linear).
    n_tau : number of basis functions; default: the spectrum's mean point density
        (points per decade) over the extended range, at most 200.

    Examples
    --------
    >>> make_basis(np.logspace(3, 0, 31), "pwl", n_tau=50).n
    50
    """
    if kind not in BASES:
        raise AnalysisError(f"basis must be one of {BASES} (got {kind!r})")
    f = np.asarray(frequency_Hz, float)
    lo = math.log(1.0 / (2 * math.pi * f.max())) - EXTEND_DECADES * math.log(10)
    hi = math.log(1.0 / (2 * math.pi * f.min())) + EXTEND_DECADES * math.log(10)
    if n_tau is None:
        span = math.log(f.max() / f.min())
        density = (f.size - 1) / span if span > 0 else 1.0
        n_tau = min(MAX_DEFAULT_N_TAU, max(20, int(round((hi - lo) * density)) + 1))
    if n_tau < 3:
        raise AnalysisError(f"n_tau must be at least 3 (got {n_tau})")
    if n_tau > MAX_N_TAU:
        raise AnalysisError(f"n_tau must be at most {MAX_N_TAU} (got {n_tau}): the penalty matrix is n_tau²")
    ln_tau = np.linspace(lo, hi, int(n_tau))
    ln_tau.setflags(write=False)
    spacing = (hi - lo) / (n_tau - 1)
    eps = FWHM_COEFFICIENT * 2.0 * math.sqrt(math.log(2.0)) / spacing if kind == "rbf" else 0.0
    return Basis(kind=kind, ln_tau=ln_tau, epsilon=eps)
