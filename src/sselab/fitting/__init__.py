"""The shared fitting engine: parameters with bounds and units, batched least squares, frozen results."""

from .engine import best_of, fit, fit_batch, fit_best
from .parameters import Parameter, Parameters
from .result import FitResult, ParameterEstimate

__all__ = ["FitResult", "Parameter", "ParameterEstimate", "Parameters", "best_of", "fit", "fit_batch", "fit_best"]
