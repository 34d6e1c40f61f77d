"""X-ray diffraction: phases, simulated patterns, Rietveld refinement, phase identification,
Williamson–Hall.

Examples
--------
>>> from sselab.xrd import antiperovskite
>>> round(antiperovskite("Mg", "As", "N", 4.2307).density_g_cm3, 2)
3.55
"""

from .calibrate import fit_instrument
from .identify import Identification, identify
from .instrument import Instrument
from .library import BUILTIN, get_phase
from .model import PowderModel
from .rietveld import Refinement, RietveldResult, agreement, refine
from .simulate import simulate_pattern
from .structures import Phase, antiperovskite, from_cif, parse_antiperovskite
from .williamson_hall import WilliamsonHall, williamson_hall

__all__ = [
    "BUILTIN", "Identification", "Instrument", "Phase", "PowderModel", "Refinement", "RietveldResult",
    "WilliamsonHall", "agreement", "antiperovskite", "fit_instrument", "from_cif", "get_phase", "identify",
    "parse_antiperovskite", "refine", "simulate_pattern", "williamson_hall",
]
