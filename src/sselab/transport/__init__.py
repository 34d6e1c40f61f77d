"""Ion and electron transport: conductivity, Arrhenius, temperature series, deconvolution, cross-checks."""

from .arrhenius import ArrheniusResult, arrhenius
from .conductivity import ConductivityResult, choose_bulk, classify_capacitance, conductivity, conductivity_from_fit
from .consistency import ConsistencyReport, check_transport
from .deconvolution import DeconvolutionResult, DeconvolutionRow, EBEReference, deconvolve, deconvolve_files
from .geometry import SampleGeometry
from .mixed import MixedConductorResult, fit_mixed_conductor
from .series import SeriesResult, series_from_files, temperature_from_name, temperature_series
from .table import ConductivityTable, read_table

__all__ = [
    "ArrheniusResult", "ConductivityResult", "ConductivityTable", "ConsistencyReport", "DeconvolutionResult",
    "DeconvolutionRow", "EBEReference", "MixedConductorResult", "SampleGeometry", "SeriesResult", "arrhenius",
    "check_transport", "choose_bulk", "classify_capacitance", "conductivity", "conductivity_from_fit", "deconvolve",
    "deconvolve_files", "fit_mixed_conductor", "read_table", "series_from_files", "temperature_from_name",
    "temperature_series",
]
