"""The frozen result of a least-squares fit.

Examples
--------
>>> est = ParameterEstimate("R1", 100.0, 2.0, "Ohm")
>>> est.relative_stderr
0.02
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

if TYPE_CHECKING:
    from ..verdict import Verdict


def _ro(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def _num(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class ParameterEstimate:
    """A fitted parameter: value and standard error in ``unit``."""

    name: str
    value: float
    stderr: float | None
    unit: str = ""
    fixed: bool = False
    min: float = -math.inf
    max: float = math.inf

    @property
    def relative_stderr(self) -> float | None:
        if self.stderr is None or self.value == 0:
            return None
        return abs(self.stderr / self.value)

    @property
    def at_bound(self) -> bool:
        """Within a relative 1e-6 of a finite bound (a free parameter pushed onto it)."""
        tol = 1e-6
        near_min = math.isfinite(self.min) and self.value - self.min <= tol * (abs(self.min) + abs(self.value)) + 1e-300
        near_max = math.isfinite(self.max) and self.max - self.value <= tol * abs(self.max) + 1e-300
        return not self.fixed and (near_min or near_max)

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": _num(self.value),
            "stderr": _num(self.stderr),
            "unit": self.unit,
            "fixed": self.fixed,
            "min": _num(self.min),
            "max": _num(self.max),
        }


@dataclass(frozen=True)
class FitResult:
    """What a least-squares fit found.

    Attributes
    ----------
    parameters : tuple of ParameterEstimate
    covariance : ndarray
        Covariance of the free parameters (``free_names`` order), scaled by the reduced χ²
        unless the residuals were already normalised by known σ (``scale_covariance=False``).
    chi2 : float
        Σ r², the sum of squared weighted residuals at the solution.
    n_data, n_free : int
        Number of residuals and of free parameters.
    residuals : ndarray
        Weighted residuals at the solution.
    success : bool
        The optimiser converged and the result is usable.
    message : str
    n_iter : int
        Levenberg–Marquardt iterations of this problem.
    n_eval : int
        Model evaluations of the batched solve it was part of (shared by every problem of the
        batch, so equal to the slowest one's count, not this problem's).
    warnings : tuple of str
        Why the result should be read with care (undetermined parameters, bounds hit, ...).
    """

    parameters: tuple[ParameterEstimate, ...]
    covariance: np.ndarray
    chi2: float
    n_data: int
    residuals: np.ndarray
    success: bool
    message: str
    n_iter: int = 0
    n_eval: int = 0
    warnings: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "covariance", _ro(self.covariance))
        object.__setattr__(self, "residuals", _ro(self.residuals))
        object.__setattr__(self, "parameters", tuple(self.parameters))
        object.__setattr__(self, "warnings", tuple(self.warnings))

    def __getstate__(self) -> dict[str, Any]:
        # the fields only: the views cached below (cached_property) are computed again where read
        cls = type(self)
        return {k: v for k, v in self.__dict__.items() if not isinstance(getattr(cls, k, None), cached_property)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # unpickling skips __post_init__: its arrays read-only again
        self.__dict__.update(state)
        self.__post_init__()

    # -- convenient views -------------------------------------------------
    # the views below are computed once per result (it is frozen; a verdict and to_dict read them
    # several times each)
    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @cached_property
    def free_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters if not p.fixed)

    @property
    def values(self) -> dict[str, float]:
        return {p.name: p.value for p in self.parameters}

    @property
    def value_array(self) -> np.ndarray:
        return np.array([p.value for p in self.parameters])

    def __getitem__(self, name: str) -> ParameterEstimate:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def n_free(self) -> int:
        return len(self.free_names)

    @property
    def dof(self) -> int:
        return max(self.n_data - self.n_free, 1)

    @property
    def reduced_chi2(self) -> float:
        return self.chi2 / self.dof

    @property
    def aic(self) -> float:
        """Akaike information criterion for Gaussian residuals, n ln(χ²/n) + 2k."""
        n, k = self.n_data, self.n_free
        return n * math.log(max(self.chi2, 1e-300) / n) + 2 * k

    @property
    def bic(self) -> float:
        """Bayesian information criterion, n ln(χ²/n) + k ln n."""
        n, k = self.n_data, self.n_free
        return n * math.log(max(self.chi2, 1e-300) / n) + k * math.log(n)

    @cached_property
    def correlation(self) -> np.ndarray:
        """Correlation matrix of the free parameters (``free_names`` order; NaN where a standard
        error is 0 or not finite); read-only."""
        cov = self.covariance
        if cov.size == 0:
            return cov
        sd = np.sqrt(np.abs(np.diag(cov)))
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = cov / np.outer(sd, sd)
        corr = np.where(np.isfinite(corr), corr, np.nan)
        corr.setflags(write=False)
        return corr

    @property
    def undetermined(self) -> tuple[str, ...]:
        """Free parameters whose standard error is missing or larger than their value."""
        out = []
        for p in self.parameters:
            if p.fixed:
                continue
            rel = p.relative_stderr
            if p.stderr is None or rel is None or rel > 1.0:
                out.append(p.name)
        return tuple(out)

    @property
    def verdict(self) -> "Verdict":
        """The fit's own verdict by the generic rules of :mod:`sselab.fitting.verdicts`
        (no noise level; every free parameter counts)."""
        from .verdicts import fit_verdict

        return fit_verdict(self)

    def to_dict(self) -> dict[str, Any]:
        corr = self.correlation
        v = self.verdict
        return {
            "status": v.status,
            "reasons": [r.to_dict() for r in v.reasons],
            "success": self.success,
            "message": self.message,
            "chi2": _num(self.chi2),
            "reduced_chi2": _num(self.reduced_chi2),
            "n_data": self.n_data,
            "n_free": self.n_free,
            "aic": _num(self.aic),
            "bic": _num(self.bic),
            "parameters": {p.name: p.to_dict() for p in self.parameters},
            "correlation": {
                "names": list(self.free_names),
                "matrix": [[_num(v) for v in row] for row in corr.tolist()],
            },
            "undetermined": list(self.undetermined),
            "warnings": list(self.warnings),
            "n_iter": self.n_iter,
        }
