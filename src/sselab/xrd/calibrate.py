"""Instrument profile from a line-profile standard (LaB6 NIST SRM 660c by default).

The standard's lattice parameter is held at its certified value and it has no size or
strain broadening, so the refined U, V, W, X, Y (and zero) describe the instrument alone.

Examples
--------
>>> from sselab.xrd.library import lab6
>>> lab6().lattice_parameters["a"]
4.156826
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from ..measurements import DiffractionPattern
from .instrument import Instrument
from .library import lab6
from .rietveld import Refinement, RietveldResult, instrument_for
from .structures import Phase

STAGES: tuple[tuple[str, ...], ...] = (
    ("*.scale", "bkg*"),
    ("*.scale", "bkg*", "zero_deg", "W"),
    ("*.scale", "bkg*", "zero_deg", "U", "V", "W", "Y"),
    ("*.scale", "bkg*", "zero_deg", "U", "V", "W", "X", "Y", "*.B_*"),
)


def fit_instrument(
    pattern: DiffractionPattern,
    standard: Phase | None = None,
    instrument: Instrument | None = None,
    *,
    two_theta_range: tuple[float, float] | None = None,
    n_background: int = 8,
    stages: Sequence[Sequence[str]] = STAGES,
) -> tuple[Instrument, RietveldResult]:
    """Refine the instrument's Caglioti/TCH terms on a standard; returns (instrument, fit)."""
    job = Refinement(pattern, [standard or lab6()], instrument_for(pattern, instrument),
                     n_background=n_background, two_theta_range=two_theta_range)
    res = job.run(stages)
    v = res.values
    std = job.model.phases[0].name
    inst = replace(job.model.instrument, U=v["U"], V=v["V"], W=v["W"], X=v["X"], Y=v["Y"], calibrated=f"{std} standard")
    return inst, res
