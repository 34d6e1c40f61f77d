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
    y, cont = line_and_continuum(atomic_percent, e, beam_keV, kfactors=kfactors, fwhm_mn_eV=fwhm_mn_eV)
    y = y * (line_counts / y.sum())
    cont = cont * (continuum_fraction / (1 - continuum_fraction) * line_counts / cont.sum())
    counts = rng.poisson(y + cont).astype(float)
    return EDSSpectrum(e, counts, beam_keV, 100.0, tuple(atomic_percent), None, "synthetic")


def line_and_continuum(atomic_percent: Mapping[str, float], e: np.ndarray, beam_keV: float = 20.0, *,
                       kfactors: Mapping[str, float] | None = None,
                       fwhm_mn_eV: float = 130.0) -> tuple[np.ndarray, np.ndarray]:
    """Expected line and continuum spectra of a unit mass of ``atomic_percent`` (unscaled).

    Lines: Σ wt_A / k_A · shape (linear in the mass fractions, so a mass-weighted sum of two
    phases' spectra is the spectrum of their mixture); continuum: Kramers, Z̄ · (E₀ − E)/E.
    """
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
    zbar = float(np.sum(wt * np.array([L.element(el)[0].z for el in els])))
    cont = zbar * np.clip(beam_keV - e, 0, None) / e * (1 - np.exp(-((e / 0.3) ** 3)))
    return y, cont


def synthetic_map(phases: Mapping[str, Mapping[str, float]], mass_fraction: Mapping[str, np.ndarray],
                  beam_keV: float = 20.0, *, line_counts_per_px: float = 1500.0, continuum_fraction: float = 0.3,
                  pixel_size_um: float = 1.0, channel_eV: float = 20.0, channels: int = 640,
                  fwhm_mn_eV: float = 130.0, seed: int = 0):
    """A spectrum image of phases (``phases[name]`` = atomic composition) mixed per pixel by
    ``mass_fraction[name]`` (maps of one shape): each pixel's expectation is the mass-weighted
    sum of the phases' unit spectra (lines and continuum, :func:`line_and_continuum`), one scale
    for the whole map (``line_counts_per_px`` line counts in the mean pixel), Poisson noise.

    The mass composition of any set of pixels is then Σ mass_fraction · wt of the phases, what a
    Cliff–Lorimer quantification of their summed spectrum recovers.
    """
    from .spectrum import EDSMap

    rng = np.random.default_rng(seed)
    e = (np.arange(channels) + 0.5) * channel_eV * 1e-3
    shape = np.shape(next(iter(mass_fraction.values())))
    lam = np.zeros(shape + (channels,))
    line_total = np.zeros(shape)
    for name, comp in phases.items():
        y, cont = line_and_continuum(comp, e, beam_keV, fwhm_mn_eV=fwhm_mn_eV)
        f = np.asarray(mass_fraction[name], float)[..., None]
        cont = cont * continuum_fraction / (1 - continuum_fraction) * y.sum() / cont.sum()
        lam += f * (y + cont)
        line_total += f[..., 0] * y.sum()
    lam *= line_counts_per_px / line_total.mean()
    cube = rng.poisson(lam).astype(np.uint16)
    els = tuple(dict.fromkeys(el for comp in phases.values() for el in comp))
    return EDSMap(e, cube, (pixel_size_um * 1e-6, pixel_size_um * 1e-6), beam_keV, els, None)


def write_rpl(path, m) -> None:
    """Write an :class:`~sselab.eds.spectrum.EDSMap` as Ripple ``.rpl`` + ``.raw`` (RosettaSciIO),
    pixel size in µm, energy axis in eV, beam energy in the header."""
    from rsciio.ripple import file_writer

    ny, nx, nch = m.cube.shape
    px = m.pixel_size_m or (1e-6, 1e-6)
    axes = [{"name": "y", "size": ny, "scale": px[0] * 1e6, "offset": 0.0, "units": "µm", "navigate": True},
            {"name": "x", "size": nx, "scale": px[1] * 1e6, "offset": 0.0, "units": "µm", "navigate": True},
            {"name": "Energy", "size": nch, "scale": float(m.energy_keV[1] - m.energy_keV[0]) * 1e3,
             "offset": float(m.energy_keV[0]) * 1e3, "units": "eV", "navigate": False}]
    md = {"General": {"title": "sselab synthetic spectrum image"}, "Signal": {"signal_type": "EDS_SEM"},
          "Acquisition_instrument": {"SEM": {"beam_energy": float(m.beam_energy_keV or 20.0),
                                             "Detector": {"EDS": {"live_time": 1.0}}}}}
    file_writer(str(path), {"data": m.cube, "axes": axes, "metadata": md, "original_metadata": {}})


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
