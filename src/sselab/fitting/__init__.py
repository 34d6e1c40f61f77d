"""The shared fitting engine: parameters with bounds and units, batched least squares, frozen results."""

from .engine import fit, fit_batch, fit_best
from .parameters import Parameter, Parameters
from .result import FitResult, ParameterEstimate

__all__ = ["FitResult", "Parameter", "ParameterEstimate", "Parameters", "fit", "fit_batch", "fit_best"]
