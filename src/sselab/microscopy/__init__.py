"""SEM micrographs: readers with pixel sizes, particle size distributions, cross-section layers.

Flow as for the other techniques: :func:`read_sem_image` → :class:`SEMImage` →
:func:`~sselab.microscopy.particles.particle_sizes` / :func:`~sselab.microscopy.layers.layer_thicknesses`
→ frozen results whose ``to_dict()`` carries a verdict.  EDS is :mod:`sselab.eds`.
"""

from .image import SEMImage, from_array, read_sem_image

__all__ = ["SEMImage", "from_array", "read_sem_image"]
