"""Galvanostatic plating/stripping, cyclic voltammetry and interface ageing of symmetric cells.

Sign convention: plating = negative current on the working electrode (see
:mod:`sselab.cycling.segmentation`).
"""

from .events import Jump, ShortCircuit, detect_jumps, detect_short_circuit
from .galvanostatic import DEFINITIONS, PlatingStrippingResult, overpotentials, plating_stripping
from .segmentation import HalfCycle, Segmentation, segment
from .trend import LineFit, theil_sen, weighted_line

__all__ = [
    "DEFINITIONS", "HalfCycle", "Jump", "LineFit", "PlatingStrippingResult", "Segmentation",
    "ShortCircuit", "detect_jumps", "detect_short_circuit", "overpotentials", "plating_stripping",
    "segment", "theil_sen", "weighted_line",
]
