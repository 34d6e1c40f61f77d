"""Synthetic EDS spectra with a known composition (for tests and the virtual study).

Line intensities follow the same Cliff–Lorimer relation the quantification inverts
(I_A ∝ C_A / k_A, every excited family of an element from the standardless k of that family,
or the given k for the main family), Gaussian lines with the Fano-law FWHM, a Kramers
continuum (E₀ − E)/E rolled off below 0.3 keV by the detector window, and Poisson noise.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from . import lines as L
from .peaks import families_for, family_shape
from .quantify import standardless_k
from .spectrum import EDSSpectrum


def synthetic_spectrum(atomic_percent: Mapping[str, float], beam_keV: float = 20.0, *, line_counts: float = 2e6,
                       continuum_fraction: float = 0.3, kfactors: Mapping[str, float] | None = None,
                       fwhm_mn_eV: float = 130.0, channel_eV: float = 10.0, channels: int = 2048,
                       seed: int = 0) -> EDSSpectrum:
    """A spectrum of ``atomic_percent`` (any normalisation) with ``line_counts`` counts in lines."""
    rng = np.random.default_rng(seed)
    e = (np.arange(channels) + 0.5) * channel_eV * 1e-3
    els = list(atomic_percent)
    at = np.array([atomic_percent[el] for el in els], float)
    wt = at * np.array([L.atomic_weight(el) for el in els])
    wt = wt / wt.sum()
    y = np.zeros_like(e)
    for el, c in zip(els, wt):
        main = L.best_family(el, beam_keV)
        k_main = standardless_k(el, main, beam_keV)[0]
        for _, fam in families_for([el], beam_keV, float(e.max())):
            k = standardless_k(el, fam, beam_keV)[0]
            if kfactors and el in kfactors:  # keep the families' ratio, scale to the given main k
                k = k / k_main * kfactors[el]
            y += c / k * family_shape(el, fam, e, fwhm_mn_eV)
    y *= line_counts / y.sum()
    zbar = float(np.sum(wt * np.array([L.element(el)[0].z for el in els])))
    cont = zbar * np.clip(beam_keV - e, 0, None) / e * (1 - np.exp(-((e / 0.3) ** 3)))
    cont *= continuum_fraction / (1 - continuum_fraction) * line_counts / cont.sum()
    counts = rng.poisson(y + cont).astype(float)
    return EDSSpectrum(e, counts, beam_keV, 100.0, tuple(els), None, "synthetic")


def write_msa(path, spectrum: EDSSpectrum, title: str = "sselab synthetic spectrum") -> None:
    """Write ``spectrum`` as EMSA/MAS 1.0 (Y data on a linear axis in eV), readable by
    RosettaSciIO and the vendors' software."""
    from pathlib import Path

    e = spectrum.energy_keV * 1e3
    lines = [
        "#FORMAT      : EMSA/MAS Spectral Data File", "#VERSION     : 1.0", f"#TITLE       : {title}",
        "#DATE        : 01-JAN-2026", "#TIME        : 00:00", "#OWNER       : sselab",
        f"#NPOINTS     : {e.size}", "#NCOLUMNS    : 1", "#XUNITS      : eV", "#YUNITS      : counts",
        "#DATATYPE    : Y", f"#XPERCHAN    : {float(e[1] - e[0]):.6g}", f"#OFFSET      : {float(e[0]):.6g}",
        "#SIGNALTYPE  : EDS", f"#BEAMKV   -kV: {spectrum.beam_energy_keV:g}",
        f"#LIVETIME  -s: {spectrum.live_time_s or 100:g}", "#SPECTRUM    : Spectral Data Starts Here",
    ]
    lines += [f"{c:.0f}," for c in spectrum.counts]
    lines.append("#ENDOFDATA   : ")
    Path(path).write_text("\n".join(lines) + "\n", encoding="ascii")
