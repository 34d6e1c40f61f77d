"""Impedance spectroscopy: circuit language, fitting, Kramers–Kronig validation, DRT,
circuit selection, plots."""

from .circuit import Circuit
from .drt import DRTPeak, DRTResult, drt
from .elements import ELEMENTS
from .fit import CircuitFit, effective_capacitance, fit_circuit
from .language import parse
from .mask import select
from .model import CircuitModel
from .simulate import paper_frequencies, simulate_spectrum

parse_circuit = parse

__all__ = [
    "ELEMENTS",
    "Circuit",
    "CircuitFit",
    "CircuitModel",
    "DRTPeak",
    "DRTResult",
    "drt",
    "effective_capacitance",
    "fit_circuit",
    "paper_frequencies",
    "parse",
    "parse_circuit",
    "select",
    "simulate_spectrum",
]
