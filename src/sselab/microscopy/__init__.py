"""SEM micrographs: readers with pixel sizes, particle size distributions, cross-section layers.

Flow as for the other techniques: :func:`read_sem_image` → :class:`SEMImage` →
:func:`particle_sizes` / :func:`layer_thicknesses` / :func:`porosity` → frozen results whose
``to_dict()`` carries a verdict.  EDS is :mod:`sselab.eds`.
"""

from .image import SEMImage, from_array, measure_scale_bar, read_sem_image, with_scale_bar
from .layers import Layers, layer_thicknesses
from .particles import ParticleSizes, particle_sizes, porosity

__all__ = ["Layers", "ParticleSizes", "SEMImage", "from_array", "layer_thicknesses", "measure_scale_bar",
           "particle_sizes", "porosity", "read_sem_image", "with_scale_bar"]
