"""XPS: backgrounds, line shapes, peak models, fitting, quantification, depth profiles.

Reading is :func:`sselab.io.read` (kind ``"xps"``: VAMAS .vms/.npl, PHI .pro/.spe,
two-column exports).  lmfit is used through :mod:`sselab.xps._lmfit` only.

Examples
--------
>>> from sselab.xps import PeakModel
>>> PeakModel.from_positions("N 1s", [395.2, 396.4, 398.2]).components[1].position_eV
396.4
"""

from .backgrounds import background, linear, shirley, tougaard
from .fit import ComponentResult, RegionFit, fit_region, fit_spectra
from .lineshapes import SHAPES, lineshape, peak
from .model import Component, Doublet, Link, PeakModel
from .profile import DepthProfile, depth_profile, split_by_sputter_time
from .quantify import SCOFIELD_AL_KA, SCOFIELD_AL_KA_LINES, Quantification, charge_shift, quantify, shift_acquisition

__all__ = [
    "SCOFIELD_AL_KA", "SCOFIELD_AL_KA_LINES", "SHAPES", "Component", "ComponentResult", "DepthProfile", "Doublet", "Link", "PeakModel",
    "Quantification", "RegionFit", "background", "charge_shift", "depth_profile", "fit_region", "fit_spectra",
    "lineshape", "linear", "peak", "quantify", "shift_acquisition", "shirley", "split_by_sputter_time", "tougaard",
]
