"""Simulated XPS: a Mg3AsN depth profile with the paper's assignments, and a VAMAS writer.

:func:`mg3asn_profile` builds the acquisitions of an Ar⁺ depth profile (0, 2, 6, 12,
20 min; REFERENCE §4): a nitrogen-deficient, oxidised surface over stoichiometric
Mg3AsN.  Components (binding energy, eV): Mg 2p 49.3 (antiperovskite) / 50.5 (Mg–O/OH);
As 3d 39.7 (As³⁻) / 41.4 (As⁰) / 43.75 (As³⁺ oxide), as 3d5/2–3d3/2 doublets (0.69 eV,
2:3); N 1s 395.2 (under-coordinated N) / 396.4 (nitride) / 398.2 (oxynitride); O 1s
531.5.  Each line is GL(30), its area ∝ atomic fraction × Scofield RSF; a Shirley-type
step (k × cumulative peak area) and a flat level are added and Poisson noise drawn.
The same line shapes and models as the analysis (:mod:`sselab.xps.lineshapes`).

:func:`write_vamas` writes any acquisition as ISO 14976 (NORM, REGULAR, binding energy
abscissa) so that :mod:`sselab.io.formats.xps_vamas` reads it back.

Examples
--------
>>> steps = mg3asn_profile(seed=1)
>>> [a.regions[0].sputter_time_s for a in steps]
[0.0, 120.0, 360.0, 720.0, 1200.0]
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np

from ..measurements import XPSAcquisition, XPSRegion
from .backgrounds import cumulative
from .lineshapes import peak
from .model import Component, Doublet, PeakModel
from .quantify import SCOFIELD_AL_KA

SPUTTER_MIN = (0, 2, 6, 12, 20)
#: region -> [(component, position eV, FWHM eV, doublet?)]
ASSIGNMENTS: Mapping[str, tuple[tuple[str, float, float, bool], ...]] = {
    "Mg 2p": (("Mg3AsN", 49.3, 1.3, False), ("MgO", 50.5, 1.5, False)),
    "As 3d": (("As3-", 39.7, 0.9, True), ("As0", 41.4, 0.9, True), ("As3+", 43.75, 1.1, True)),
    "N 1s": (("N_under", 395.2, 1.3, False), ("nitride", 396.4, 1.2, False), ("oxynitride", 398.2, 1.4, False)),
    "O 1s": (("O", 531.5, 1.6, False),),
}
WINDOWS = {"Mg 2p": (45.0, 55.0), "As 3d": (36.0, 48.0), "N 1s": (391.0, 402.0), "O 1s": (527.0, 536.0)}


def _fractions(minutes: float, sample: str = "as-BM") -> dict[str, float]:
    """Atomic fractions of each component at a sputter time (surface → bulk).

    As the paper describes: N 1s#1 (under-coordinated N, 395.2 eV) *rises* with sputtering
    (surface defects re-formed by Ar⁺) and N 1s#3 (398.2 eV) does not diminish; ``"600C-12h"``
    (Fig. S6) has a Mg-rich surface, Mg:As → 3.24:1 after 20 min, and a weak N 1s#1.
    """
    s = np.exp(-minutes / 4.0)  # surface weight: oxidised, N-deficient layer of a few nm
    if sample == "600C-12h":
        bulk = {"Mg3AsN": 3.225, "MgO": 0.0, "As3-": 1.0, "As0": 0.0, "As3+": 0.0,
                "N_under": 0.06, "nitride": 0.95, "oxynitride": 0.2, "O": 0.0}
        surf = {"Mg3AsN": 1.5, "MgO": 2.5, "As3-": 0.2, "As0": 0.15, "As3+": 0.25,
                "N_under": 0.02, "nitride": 0.2, "oxynitride": 0.2, "O": 2.5}
    else:
        # Mg:As = 2.93:1 after 20 min (the paper's "2.93 : 1, approaching the ratio of 3 : 1"):
        # (1 − s)·Mg_bulk + 3·s = 2.93 at s = exp(−5), the surface weight left after 20 min
        bulk = {"Mg3AsN": (2.93 - 3.0 * np.exp(-5.0)) / (1 - np.exp(-5.0)), "MgO": 0.0, "As3-": 1.0, "As0": 0.0,
                "As3+": 0.0, "N_under": 0.3, "nitride": 0.85, "oxynitride": 0.2, "O": 0.0}
        surf = {"Mg3AsN": 1.2, "MgO": 1.8, "As3-": 0.3, "As0": 0.3, "As3+": 0.4,
                "N_under": 0.15, "nitride": 0.15, "oxynitride": 0.2, "O": 2.5}
    return {k: (1 - s) * bulk[k] + s * surf[k] for k in bulk}


def _region(name: str, fractions: Mapping[str, float], rng: np.random.Generator, scale: float,
            step_eV: float, t_s: float, shifts: Mapping[str, float] | None = None) -> XPSRegion:
    lo, hi = WINDOWS[name]
    e = np.arange(hi, lo - 1e-9, -step_eV)
    peaks = np.zeros_like(e)
    for comp, pos, fwhm, dbl in ASSIGNMENTS[name]:
        pos = (shifts or {}).get(comp, pos)
        area = scale * fractions[comp] * SCOFIELD_AL_KA[name]
        if dbl:
            d = Doublet.for_level(name)
            major = area / (1 + d.area_ratio)
            peaks += peak(e, "GL", pos, fwhm, major, m=0.3)
            peaks += peak(e, "GL", pos + d.splitting_eV, fwhm, major * d.area_ratio, m=0.3)
        else:
            peaks += peak(e, "GL", pos, fwhm, area, m=0.3)
    order = np.argsort(e)
    step = np.empty_like(e)
    step[order] = cumulative(e[order], peaks[order])
    expected = 200.0 + 0.04 * step + peaks
    counts = rng.poisson(expected).astype(float)
    return XPSRegion(name, e, counts, sputter_time_s=t_s,
                     metadata={"simulated": True, "excitation_energy_eV": 1486.6})


#: component positions of 600C-12h that differ from as-BM's (Fig. S6c: N 1s#1 at 394.8 eV)
POSITIONS_600C = {"N_under": 394.8}


def mg3asn_profile(seed: int = 0, scale: float = 4000.0, step_eV: float = 0.1,
                   minutes: tuple[float, ...] = SPUTTER_MIN, sample: str = "as-BM") -> list[XPSAcquisition]:
    """The simulated depth profile: one acquisition per sputter step (see module docstring);
    ``sample`` "as-BM" or "600C-12h" (see :func:`_fractions`)."""
    rng = np.random.default_rng(seed)
    shifts = POSITIONS_600C if sample == "600C-12h" else None
    out = []
    for t in minutes:
        f = _fractions(t, sample)
        regions = tuple(_region(n, f, rng, scale, step_eV, 60.0 * t, shifts) for n in ASSIGNMENTS)
        out.append(XPSAcquisition(source=f"simulated Mg3AsN, {t:g} min Ar+", instrument="sselab.xps.simulate",
                                  regions=regions, excitation_energy_eV=1486.6,
                                  metadata={"true_fractions": f, "sputter_min": t}))
    return out


def mg3asn_models(background: str = "shirley") -> list[PeakModel]:
    """Peak models with the paper's assignments (start values = REFERENCE §4)."""
    models = []
    for name, comps in ASSIGNMENTS.items():
        cs = tuple(Component(c, pos, 1.2, "GL", {"m": 0.3}, position_range_eV=0.5,
                             doublet=Doublet.for_level(name) if dbl else None) for c, pos, _w, dbl in comps)
        models.append(PeakModel(name, cs, background=background, window_eV=WINDOWS[name]))
    return models


def write_vamas(acq: XPSAcquisition, path: str | Path) -> Path:
    """Write ``acq`` as a VAMAS file (one block per region, binding-energy abscissa).

    Regions must be on a uniform energy grid.  The sputter time is written as the
    experimental variable "Etch Time" [s].
    """
    path = Path(path)
    hv = acq.excitation_energy_eV or 1486.6
    lines = ["VAMAS Surface Chemical Analysis Standard Data Transfer Format 1988 May 4",
             "sselab", "simulated", "sselab", acq.source or "experiment", "1", "written by sselab.xps.simulate",
             "NORM", "REGULAR", str(len(acq.regions)), "1", "Etch Time", "s", "0", "0", "0", "0",
             str(len(acq.regions))]
    for r in acq.regions:
        e = np.asarray(r.binding_energy_eV, float)
        steps = np.diff(e)
        if e.size < 2 or not np.allclose(steps, steps[0], rtol=1e-6, atol=1e-9):
            raise ValueError(f"region {r.name!r} is not on a uniform energy grid")
        species, _, transition = r.name.partition(" ")
        lines += [r.name, acq.source or "sample", "2025", "1", "1", "0", "0", "0", "0", "0", "XPS",
                  f"{r.sputter_time_s if r.sputter_time_s is not None else 0.0!r}", "Al",
                  f"{hv!r}", "1E+37", "1E+37", "1E+37", "1E+37", "1E+37", "FAT", "20", "1E+37", "4.5",
                  "1E+37", "1E+37", "1E+37", "1E+37", "1E+37", species, transition or "-", "-1",
                  "Binding Energy", "eV", f"{float(e[0])!r}", f"{float(steps[0])!r}", "1", "Intensity", "d",
                  "pulse counting", "0.1", "1", "1E+37", "1E+37", "1E+37", "1E+37", "0", str(e.size),
                  f"{float(np.min(r.counts))!r}", f"{float(np.max(r.counts))!r}"]
        lines += [f"{float(v)!r}" for v in r.counts]
    lines.append("end of experiment")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="ascii")
    return path
