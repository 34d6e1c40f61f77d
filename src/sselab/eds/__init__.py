"""EDS: spectra and maps (RosettaSciIO), peak identification, Cliff–Lorimer quantification.

Flow: :func:`read_eds` → :class:`EDSSpectrum` / :class:`EDSMap` → :func:`quantify`
(:class:`EDSQuant`) or :func:`element_maps` (:class:`EDSMaps`) → ``to_dict()`` with a verdict.
"""

from .maps import EDSMaps, element_maps, layer_compositions
from .peaks import identify
from .quantify import EDSQuant, kfactors_from_standard, quantify
from .spectrum import EDSMap, EDSSpectrum, read_eds

__all__ = ["EDSMap", "EDSMaps", "EDSQuant", "EDSSpectrum", "element_maps", "identify", "kfactors_from_standard",
           "layer_compositions", "quantify", "read_eds"]
