"""Fitting peak models to regions: one region, or one model across many spectra.

:func:`fit_region` fits a :class:`~sselab.xps.model.PeakModel` to an
:class:`~sselab.measurements.XPSRegion`; :func:`fit_spectra` fits the same model jointly
to several regions (the steps of a depth profile) with positions and/or widths shared.
The background is either computed once from the data and held fixed (``refine_background
= False``) or refined with the peaks: linear (offset, slope), "active" Shirley
(B = b0 + k ∫ peaks, Herrera-Gomez's active approach) or Tougaard (b0 + B ∫ K·peaks).
Weights are Poisson, σ = √max(I, 1), or uniform (``PeakModel.weights``: one σ = √mean(I) for
every point, i.e. unweighted least squares, as CasaXPS's stored fits are); standard errors are
scaled by √χ²_red (lmfit's default), so they stay meaningful when the intensity is in counts per second.

Examples
--------
>>> import numpy as np
>>> from sselab.measurements import XPSRegion
>>> from sselab.xps.model import PeakModel
>>> from sselab.xps.lineshapes import peak
>>> e = np.linspace(280, 290, 201)
>>> y = 50 + peak(e, "GL", 284.8, 1.1, 5000.0)
>>> fit = fit_region(XPSRegion("C 1s", e, y), PeakModel.from_positions("C 1s", [285.0], background="linear"))
>>> round(fit.components[0].position_eV, 2)
284.8
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ..exceptions import FitError
from ..measurements import XPSRegion
from . import _lmfit
from .backgrounds import background as compute_background
from .backgrounds import casa_end_levels
from .backgrounds import cumulative, end_levels, tougaard_unit
from .lineshapes import peak, unit_area
from .model import PeakModel, point_variance
from .verdicts import region_fit_verdict
from ..verdict import Verdict


@dataclass(frozen=True)
class ComponentResult:
    """A fitted line. ``group`` is the component name (shared by a doublet's two lines)."""

    name: str
    group: str
    position_eV: float
    position_stderr_eV: float | None
    fwhm_eV: float
    fwhm_stderr_eV: float | None
    area: float
    area_stderr: float | None
    height: float
    shape: str
    shape_params: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "group": self.group, "position_eV": self.position_eV,
                "position_stderr_eV": self.position_stderr_eV, "fwhm_eV": self.fwhm_eV,
                "fwhm_stderr_eV": self.fwhm_stderr_eV, "area": self.area, "area_stderr": self.area_stderr,
                "height": self.height, "shape": _shape_label(self.shape, self.shape_params)}


def _shape_label(shape: str, params: dict[str, float]) -> str:
    if shape in ("GL", "SGL") and "m" in params:
        return f"{shape}({round(100 * params['m']):d})"
    inner = ",".join(f"{v:g}" for v in params.values())
    return f"{shape}({inner})" if inner else shape


@dataclass(frozen=True)
class RegionFit:
    """Result of fitting one region (arrays are kept for plots, not serialised)."""

    region: str
    components: tuple[ComponentResult, ...]
    background: str
    background_refined: bool
    chi2: float
    reduced_chi2: float
    residual_rms: float
    residual_max_abs_sigma: float
    n_points: int
    n_free: int
    success: bool
    message: str
    sputter_time_s: float | None = None
    charge_shift_eV: float = 0.0
    energy_eV: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    data: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    background_curve: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    envelope: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    verdict: Verdict = field(default_factory=Verdict.ok)
    weights: str = "poisson"

    def component(self, name: str) -> ComponentResult:
        for c in self.components:
            if c.name == name:
                return c
        raise KeyError(name)

    def group_area(self, group: str) -> tuple[float, float | None]:
        """Total area of a component (both doublet lines) and its standard error."""
        rows = [c for c in self.components if c.group == group]
        err = [c.area_stderr for c in rows]
        total = sum(c.area for c in rows)
        if any(e is None for e in err):
            return total, None
        # doublet partner areas are proportional to the major line: errors add linearly
        return total, float(sum(err))

    def total_area(self) -> tuple[float, float | None]:
        """Sum of all component areas and its standard error (independent errors assumed)."""
        errs = [c.area_stderr for c in self.components]
        total = float(sum(c.area for c in self.components))
        return total, (None if any(e is None for e in errs) else float(np.sqrt(np.sum(np.square(errs)))))

    def to_dict(self) -> dict[str, Any]:
        total = sum(c.area for c in self.components)
        comps = [{**c.to_dict(), "percent_area": (100.0 * c.area / total) if total > 0 else None,
                  "shape_params": dict(c.shape_params)} for c in self.components]
        return {"region": self.region, "components": comps,
                "background": self.background, "background_refined": self.background_refined,
                "chi2": self.chi2, "reduced_chi2": self.reduced_chi2, "residual_rms": self.residual_rms,
                "residual_max_abs_sigma": self.residual_max_abs_sigma, "n_points": self.n_points,
                "n_free": self.n_free, "success": self.success, "message": self.message,
                "sputter_time_s": self.sputter_time_s, "charge_shift_eV": self.charge_shift_eV,
                "weights": ("Poisson, sigma = sqrt(max(I, 1))" if self.weights == "poisson" else
                            "uniform, sigma = sqrt(mean I) at every point") + "; stderr scaled by sqrt(reduced chi2)",
                **self.verdict.to_dict()}


def _group_area(comps: Sequence[ComponentResult], group: str) -> tuple[float, float | None]:
    rows = [c for c in comps if c.group == group]
    errs = [c.area_stderr for c in rows]
    return float(sum(c.area for c in rows)), (None if any(e is None for e in errs) else float(sum(errs)))


@dataclass(frozen=True)
class _Line:
    name: str
    group: str
    shape: str
    shape_params: dict[str, float]
    center: str
    fwhm: str
    area: str


def _window(region: XPSRegion, model: PeakModel, shift: float) -> tuple[np.ndarray, np.ndarray]:
    e = np.asarray(region.binding_energy_eV, float) + shift
    y = np.asarray(region.counts, float)
    if model.window_eV is not None:
        keep = (e >= model.window_eV[0]) & (e <= model.window_eV[1])
        e, y = e[keep], y[keep]
    order = np.argsort(e)
    e, y = e[order], y[order]
    if e.size < 3 * len(model.components) + 3:
        raise FitError(f"region {region.name!r}: {e.size} points in the window; too few for "
                       f"{len(model.components)} components")
    return e, y


def _specs(model: PeakModel, e: np.ndarray, y: np.ndarray, bg: np.ndarray, prefix: str,
           shared: dict[str, str] | None) -> tuple[list[_lmfit.ParamSpec], list[_Line]]:
    specs: list[_lmfit.ParamSpec] = []
    lines: list[_Line] = []
    net = np.clip(y - bg, 0, None)
    step = float(np.median(np.abs(np.diff(e)))) if e.size > 1 else 0.1
    for i, c in enumerate(model.components):
        p = f"{prefix}c{i}_"
        for qty in ("position", "fwhm"):
            key = f"c{i}_{qty}"
            if shared and key in shared:
                continue
            if qty == "position":
                r = c.position_range_eV
                lo, hi = c.position_bounds_eV or (c.position_eV - r, c.position_eV + r)
                # a start on a bound cannot move (no gradient through the bounded transform)
                start = c.position_eV if c.fix_position or hi - lo < 1e-6 else \
                    min(max(c.position_eV, lo + 1e-3 * (hi - lo)), hi - 1e-3 * (hi - lo))
                specs.append(_lmfit.ParamSpec(p + "center", start, lo - 1e-9, hi + 1e-9, vary=not c.fix_position))
            else:
                lo, hi = c.fwhm_bounds_eV
                # a start on a bound cannot move (no gradient through the bounded transform)
                start = min(max(c.fwhm_eV, lo + 0.01 * (hi - lo)), hi - 0.01 * (hi - lo)) if not c.fix_fwhm \
                    else c.fwhm_eV
                specs.append(_lmfit.ParamSpec(p + "fwhm", start, lo, hi, vary=not c.fix_fwhm))
        if c.area is not None:
            area0 = c.area
        else:
            near = np.abs(e - c.position_eV) <= max(c.fwhm_eV / 2, step)
            h = float(net[near].max()) if near.any() else float(net.max())
            area0 = max(h, 1e-6 * max(float(y.max()), 1.0)) * c.fwhm_eV * unit_area(c.shape, **c.shape_params)
            if c.doublet is not None:
                area0 /= 1.0 + 0.5 * c.doublet.area_ratio
        specs.append(_lmfit.ParamSpec(p + "area", area0, 0.0, np.inf))
        center = shared.get(f"c{i}_position", p + "center") if shared else p + "center"
        fwhm = shared.get(f"c{i}_fwhm", p + "fwhm") if shared else p + "fwhm"
        lines.append(_Line(c.name, c.name, c.shape, dict(c.shape_params), center, fwhm, p + "area"))
        if c.doublet is not None:
            q = f"{prefix}c{i}d_"
            specs.append(_lmfit.ParamSpec(q + "center", c.position_eV + c.doublet.splitting_eV,
                                          tie=_lmfit.Tie(center, offset=c.doublet.splitting_eV)))
            specs.append(_lmfit.ParamSpec(q + "area", area0 * c.doublet.area_ratio,
                                          tie=_lmfit.Tie(p + "area", factor=c.doublet.area_ratio)))
            lines.append(_Line(f"{c.name} (partner)", c.name, c.shape, dict(c.shape_params),
                               q + "center", fwhm, q + "area"))
    names = {s.name: s for s in specs}
    for link in model.links:
        ti, si = model.index(link.target), model.index(link.source)
        key = {"position": "center", "fwhm": "fwhm", "area": "area"}[link.quantity]
        target, source = f"{prefix}c{ti}_{key}", f"{prefix}c{si}_{key}"
        if target not in names:
            continue  # already shared across spectra
        tie = (_lmfit.Tie(source, offset=link.offset_eV) if link.quantity == "position"
               else _lmfit.Tie(source, factor=link.factor))
        old = names[target]
        names[target] = _lmfit.ParamSpec(old.name, old.value, old.min, old.max, old.vary, tie)
    return list(names.values()), lines


def _bg_specs(model: PeakModel, e: np.ndarray, y: np.ndarray, prefix: str,
              area_guess: float) -> list[_lmfit.ParamSpec]:
    if not model.refine_background or model.background == "none":
        return []
    lo, hi = end_levels(e, y)
    if model.background == "linear":
        return [_lmfit.ParamSpec(prefix + "bg0", lo), _lmfit.ParamSpec(prefix + "bg1", (hi - lo) / (e[-1] - e[0]))]
    scale = (hi - lo) / max(area_guess, 1e-12)
    if model.background == "tougaard":
        scale = 2866.0
    return [_lmfit.ParamSpec(prefix + "bg0", lo), _lmfit.ParamSpec(prefix + "bgk", scale, 0.0, np.inf)]


def _evaluate(values: dict[str, float], lines: list[_Line], e: np.ndarray) -> list[np.ndarray]:
    return [peak(e, ln.shape, values[ln.center], values[ln.fwhm], values[ln.area], **ln.shape_params)
            for ln in lines]


def _background_curve(model: PeakModel, values: dict[str, float], prefix: str, e: np.ndarray,
                      peaks: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    if not model.refine_background or model.background == "none":
        return fixed
    b0 = values[prefix + "bg0"]
    if model.background == "linear":
        return b0 + values[prefix + "bg1"] * (e - e[0])
    if model.background == "shirley":
        return b0 + values[prefix + "bgk"] * cumulative(e, peaks)
    return b0 + values[prefix + "bgk"] * tougaard_unit(e, peaks)


@dataclass
class _Spectrum:
    region: XPSRegion
    e: np.ndarray
    y: np.ndarray
    fixed_bg: np.ndarray
    sigma: np.ndarray
    lines: list[_Line]
    prefix: str
    reads: frozenset[str] = frozenset()  # every parameter its residual reads


def fit_spectra(regions: Sequence[XPSRegion], model: PeakModel, share: Sequence[str] = ("position", "fwhm"),
                charge_shift_eV: float | Sequence[float] = 0.0) -> list[RegionFit]:
    """Fit ``model`` jointly to ``regions``; quantities in ``share`` are common to all.

    Areas (and backgrounds) are per spectrum.  ``charge_shift_eV`` is added to every
    region's binding energies first (one value, or one per region).
    """
    if not regions:
        raise FitError("no regions to fit")
    shifts = list(charge_shift_eV) if isinstance(charge_shift_eV, (list, tuple, np.ndarray)) \
        else [float(charge_shift_eV)] * len(regions)
    if len(shifts) != len(regions):
        raise FitError(f"{len(shifts)} charge shifts for {len(regions)} regions")
    for q in share:
        if q not in ("position", "fwhm"):
            raise FitError(f"can share 'position' and 'fwhm' across spectra, not {q!r}")
    all_specs: list[_lmfit.ParamSpec] = []
    spectra: list[_Spectrum] = []
    shared: dict[str, str] = {}
    for k, (region, shift) in enumerate(zip(regions, shifts)):
        prefix = f"s{k}_"
        e, y = _window(region, model, shift)
        outside = [f"{c.name} at {c.position_eV:g} eV" for c in model.components
                   if e.size and not e.min() <= c.position_eV <= e.max()]
        if outside:
            raise FitError(f"{region.name}: component(s) {', '.join(outside)} outside the data "
                           f"({e.min():.2f}–{e.max():.2f} eV)")
        nav = {} if model.background == "none" else {"n_avg": max(model.background_avg_points, 1)}
        if model.background != "none" and not model.refine_background:
            nav.update(model.background_params)
        if model.background != "none" and model.background_ends == "casa":
            nav["ends"] = casa_end_levels(np.asarray(region.binding_energy_eV, float) + shift,
                                          np.asarray(region.counts, float),
                                          model.window_eV or (float(e.min()), float(e.max())),
                                          model.background_avg_points)
        fixed = compute_background(model.background, e, y, **nav) if not model.refine_background \
            else np.zeros_like(y)
        use_shared = shared if k > 0 and len(regions) > 1 else None
        specs, lines = _specs(model, e, y, fixed if not model.refine_background
                              else compute_background("linear" if model.background != "none" else "none", e, y, **nav),
                              prefix, use_shared)
        if k == 0 and len(regions) > 1:
            for i in range(len(model.components)):
                if "position" in share:
                    shared[f"c{i}_position"] = f"{prefix}c{i}_center"
                if "fwhm" in share:
                    shared[f"c{i}_fwhm"] = f"{prefix}c{i}_fwhm"
        area_guess = sum(s.value for s in specs if s.name.endswith("_area"))
        bg_specs = _bg_specs(model, e, y, prefix, area_guess)
        all_specs += specs + bg_specs
        sigma = np.sqrt(point_variance(y, model.weights))
        reads = frozenset({n for ln in lines for n in (ln.center, ln.fwhm, ln.area)} | {b.name for b in bg_specs})
        spectra.append(_Spectrum(region, e, y, fixed, sigma, lines, prefix, reads))

    def one(s: _Spectrum) -> Callable[[dict[str, float]], np.ndarray]:
        # each line's last few curves by (position, width, area): a Jacobian column moves one
        # parameter, so the other lines of the spectrum are the base point's, not recomputed
        memo: list[dict[tuple[float, float, float], np.ndarray]] = [{} for _ in s.lines]

        def line(i: int, ln: _Line, values: dict[str, float]) -> np.ndarray:
            key = (values[ln.center], values[ln.fwhm], values[ln.area])
            curve = memo[i].pop(key, None)
            if curve is None:
                curve = peak(s.e, ln.shape, key[0], key[1], key[2], **ln.shape_params)
            memo[i][key] = curve  # most recently used last
            if len(memo[i]) > 3:
                memo[i].pop(next(iter(memo[i])))
            return curve

        def residual(values: dict[str, float]) -> np.ndarray:
            curves = [line(i, ln, values) for i, ln in enumerate(s.lines)]
            peaks = curves[0].copy()  # summed in order, as np.sum(curves, axis=0) does
            for c in curves[1:]:
                peaks += c
            bg = _background_curve(model, values, s.prefix, s.e, peaks, s.fixed_bg)
            return (s.y - bg - peaks) / s.sigma
        return residual

    # one block per spectrum: a step's own areas and background move only its rows
    blocks = [_lmfit.Block(s.reads, one(s)) for s in spectra]
    res = _lmfit.minimize(lambda values: np.concatenate([b.residual(values) for b in blocks]), all_specs,
                          blocks=blocks)
    results = []
    for s, shift in zip(spectra, shifts):
        parts = _evaluate(dict(res.values), s.lines, s.e)
        peaks = np.sum(parts, axis=0)
        bg = _background_curve(model, dict(res.values), s.prefix, s.e, peaks, s.fixed_bg)
        r = (s.y - bg - peaks) / s.sigma
        comps = tuple(
            ComponentResult(ln.name, ln.group, res.values[ln.center], res.stderr[ln.center], res.values[ln.fwhm],
                            res.stderr[ln.fwhm], res.values[ln.area], res.stderr[ln.area], float(part.max()),
                            ln.shape, ln.shape_params)
            for ln, part in zip(s.lines, parts))
        labels = {}
        for ln in s.lines:
            if ln.name.endswith("(partner)"):
                continue
            labels.update({ln.center: f"{ln.name}.position", ln.fwhm: f"{ln.name}.fwhm", ln.area: f"{ln.name}.area"})
        groups = dict.fromkeys(c.group for c in comps)  # model order: reasons in the same order every run
        verdict = region_fit_verdict(res.values, res.stderr, res.bounds, res.free_names, res.covariance, labels,
                                     r, s.y, s.sigma, res.success, res.message,
                                     {g: _group_area(comps, g) for g in groups})
        n_free_here = res.n_free if len(spectra) == 1 else sum(
            1 for spec in all_specs if spec.name.startswith(s.prefix) and spec.vary and spec.tie is None)
        results.append(RegionFit(
            region=s.region.name, components=comps, background=model.background,
            background_refined=model.refine_background, chi2=float(np.sum(r**2)),
            reduced_chi2=float(np.sum(r**2) / max(s.e.size - n_free_here, 1)),
            residual_rms=float(np.sqrt(np.mean((s.y - bg - peaks) ** 2))),
            residual_max_abs_sigma=float(np.max(np.abs(r))), n_points=int(s.e.size), n_free=int(n_free_here),
            success=res.success, message=res.message, sputter_time_s=s.region.sputter_time_s,
            charge_shift_eV=float(shift), energy_eV=s.e, data=s.y, background_curve=bg, envelope=bg + peaks,
            verdict=verdict, weights=model.weights))
    return results


def fit_region(region: XPSRegion, model: PeakModel, charge_shift_eV: float = 0.0) -> RegionFit:
    """Fit one region (see module docstring)."""
    return fit_spectra([region], model, share=(), charge_shift_eV=charge_shift_eV)[0]
