"""Depth profiles: one peak model per region fitted to every sputter step.

The steps are the acquisitions given, sorted by sputter time; an acquisition whose regions
carry several sputter times (one VAMAS file holding a whole profile, a block per region
per etch step) is first split into one acquisition per time (:func:`split_by_sputter_time`).
Per region the model is fitted jointly to all steps with positions and widths shared
(:func:`~sselab.xps.fit.fit_spectra`), areas free per step; then every step is quantified
(components → atomic %).  Depth = sputter time × rate (default 1 nm/min, the paper's
estimate).

Examples
--------
>>> from sselab.xps.simulate import mg3asn_profile, mg3asn_models    # doctest: +SKIP
>>> prof = depth_profile(mg3asn_profile(), mg3asn_models())            # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ..exceptions import AnalysisError
from ..measurements import XPSAcquisition, XPSRegion
from ..verdict import Verdict, from_inputs
from .fit import RegionFit, fit_spectra
from .model import PeakModel
from .quantify import find_region, quantify


@dataclass(frozen=True)
class DepthProfile:
    sputter_time_s: tuple[float, ...]
    depth_nm: tuple[float, ...]
    rate_nm_per_min: float
    fits: Mapping[str, tuple[RegionFit, ...]]
    element_percent: Mapping[str, tuple[float, ...]]
    component_percent: Mapping[str, tuple[float, ...]]
    rsf_source: str
    element_percent_stderr: Mapping[str, tuple[float | None, ...]] = None  # type: ignore[assignment]
    component_percent_stderr: Mapping[str, tuple[float | None, ...]] = None  # type: ignore[assignment]
    verdict: Verdict = Verdict.ok()

    def to_dict(self) -> dict[str, Any]:
        return {"sputter_time_s": list(self.sputter_time_s), "depth_nm": list(self.depth_nm),
                "rate_nm_per_min": self.rate_nm_per_min,
                "element_atomic_percent": {k: list(v) for k, v in self.element_percent.items()},
                "element_atomic_percent_stderr": {k: list(v) for k, v in (self.element_percent_stderr or {}).items()},
                "component_atomic_percent": {k: list(v) for k, v in self.component_percent.items()},
                "component_atomic_percent_stderr": {k: list(v) for k, v in
                                                    (self.component_percent_stderr or {}).items()},
                "fits": {k: [f.to_dict() for f in v] for k, v in self.fits.items()},
                "rsf_source": self.rsf_source, **self.verdict.to_dict()}

    def plot(self, ax: Any = None) -> Any:
        """Element atomic % vs depth (matplotlib axes returned)."""
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3.5))
        for label, values in self.element_percent.items():
            ax.plot(self.depth_nm, values, "o-", label=label)
        ax.set_xlabel(f"depth [nm] (sputter rate {self.rate_nm_per_min:g} nm/min)")
        ax.set_ylabel("atomic %")
        ax.legend()
        return ax


def split_by_sputter_time(acquisitions: Sequence[XPSAcquisition]) -> list[XPSAcquisition]:
    """One acquisition per distinct sputter time: acquisitions whose regions all share one
    time (or have none) are kept as they are; others are split, regions in file order."""
    out: list[XPSAcquisition] = []
    for a in acquisitions:
        times = [r.sputter_time_s for r in a.regions]
        distinct = sorted({t for t in times if t is not None})
        if len(distinct) <= 1:
            out.append(a)
            continue
        if any(t is None for t in times):
            raise AnalysisError(f"{a.source}: some regions have a sputter time and some do not; "
                                "cannot tell which step they belong to")
        for t in distinct:
            regions = tuple(r for r in a.regions if r.sputter_time_s == t)
            out.append(a.with_meta(regions=regions, notes=tuple(a.notes) + (f"sputter step at {t:g} s",)))
    return out


def _steps(acquisitions: Sequence[XPSAcquisition]) -> list[XPSAcquisition]:
    acquisitions = split_by_sputter_time(acquisitions)
    if not acquisitions:
        raise AnalysisError("no acquisitions in the depth profile")
    def t(a: XPSAcquisition) -> float:
        times = [r.sputter_time_s for r in a.regions if r.sputter_time_s is not None]
        return float(times[0]) if times else 0.0
    return sorted(acquisitions, key=t)


def depth_profile(acquisitions: Sequence[XPSAcquisition], models: Sequence[PeakModel],
                  rate_nm_per_min: float = 1.0, rsfs: Mapping[str, float] | None = None,
                  share: Sequence[str] = ("position", "fwhm"), charge_shift_eV: float = 0.0) -> DepthProfile:
    """Fit every model to its region at every step and quantify (see module docstring)."""
    steps = _steps(acquisitions)
    times = []
    for a in steps:
        ts = [r.sputter_time_s for r in a.regions if r.sputter_time_s is not None]
        times.append(float(ts[0]) if ts else 0.0)
    fits: dict[str, tuple[RegionFit, ...]] = {}
    for m in models:
        regions: list[XPSRegion] = [find_region(a, m.region) for a in steps]
        fits[m.region] = tuple(fit_spectra(regions, m, share=share, charge_shift_eV=charge_shift_eV))
    element: dict[str, list[float]] = {m.region: [] for m in models}
    element_err: dict[str, list[float | None]] = {m.region: [] for m in models}
    component: dict[str, list[float]] = {}
    component_err: dict[str, list[float | None]] = {}
    source = ""
    quants = {}
    for k in range(len(steps)):
        areas = {m.region: fits[m.region][k].total_area() for m in models}
        q = quantify(areas, rsfs)
        quants[f"step {k} ({times[k]:g} s)"] = q
        source = q.rsf_source
        for row in q.rows:
            element[row.label].append(row.atomic_percent)
            element_err[row.label].append(row.atomic_percent_stderr)
        comp_areas, level_of = {}, {}
        for m in models:
            for c in m.components:
                comp_areas[f"{m.region}:{c.name}"] = fits[m.region][k].group_area(c.name)
                level_of[f"{m.region}:{c.name}"] = m.region
        qc = quantify(comp_areas, rsfs, element_of=level_of)
        for row in qc.rows:
            component.setdefault(row.label, []).append(row.atomic_percent)
            component_err.setdefault(row.label, []).append(row.atomic_percent_stderr)
    depth = tuple(t / 60.0 * rate_nm_per_min for t in times)
    fit_inputs = {f"{region} at {times[k]:g} s": f for region, fs in fits.items() for k, f in enumerate(fs)}
    verdict = from_inputs(fit_inputs, what="fit").merge(from_inputs(quants, what="quantification"))
    return DepthProfile(tuple(times), depth, rate_nm_per_min, fits,
                        {k: tuple(v) for k, v in element.items()},
                        {k: tuple(v) for k, v in component.items()}, source,
                        {k: tuple(v) for k, v in element_err.items()},
                        {k: tuple(v) for k, v in component_err.items()}, verdict)

