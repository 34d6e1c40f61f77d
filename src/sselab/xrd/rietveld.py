"""Rietveld refinement: staged least squares of the powder model against a measured pattern.

Agreement factors follow McCusker et al., J. Appl. Cryst. 32 (1999) 36 (REFERENCE §3), in
percent: Rp = Σ|yo−yc|/Σyo, Rwp = √(Σw(yo−yc)²/Σw·yo²), Rexp = √((N−P)/Σw·yo²),
χ² = (Rwp/Rexp)², w = 1/σ².  Weight fractions: Hill & Howard, J. Appl. Cryst. 20 (1987) 467,
W_i = S_i(ZMV)_i / Σ_j S_j(ZMV)_j.  Derivatives are analytic
(:meth:`~sselab.xrd.model.PowderModel.evaluate_jacobian`).

Examples
--------
>>> import numpy as np
>>> from sselab.xrd.library import mg3asn
>>> from sselab.xrd.simulate import simulate_pattern
>>> pat = simulate_pattern([mg3asn(4.2239)], np.arange(20, 80, 0.02), seed=2)
>>> res = refine(pat, [mg3asn()])
>>> round(res.phases[0].lattice["a"], 3)
4.224
"""

from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

import numpy as np

from ..exceptions import FitError, SselabError
from ..fitting import FitResult, Parameters, fit
from ..fitting.threads import single_threaded_blas
from ..measurements import DiffractionPattern
from ..verdict import Verdict
from .atoms import check_ties as _check_ties
from .broad_phase import run_guarded
from .instrument import Instrument
from .model import D_INFINITE_NM, PowderModel
from .stages import FINAL_FTOL, WINDOW_CHI2_TOL, WINDOW_REFITS, same_windows, stage_ftol
from .structures import Phase

LATTICE = ("a", "b", "c", "alpha", "beta", "gamma")

#: scales and background; + zero and lattice; + size and strain
DEFAULT_STAGES: tuple[tuple[str, ...], ...] = (
    ("*.scale", "bkg*"),
    ("*.scale", "bkg*", "zero_deg", *(f"*.{k}" for k in LATTICE)),
    ("*.scale", "bkg*", "zero_deg", *(f"*.{k}" for k in LATTICE), "*.D_nm", "*.strain"),
)



@dataclass(frozen=True)
class PhaseResult:
    """Refined values of one phase (``lattice`` in Å and degrees; stderr None if fixed)."""

    name: str
    formula: str
    lattice: Mapping[str, float]
    lattice_stderr: Mapping[str, float | None]
    volume_A3: float
    density_g_cm3: float
    scale: float
    weight_fraction: float
    weight_fraction_stderr: float | None
    crystallite_size_nm: float | None
    crystallite_size_stderr_nm: float | None
    microstrain: float | None
    microstrain_stderr: float | None
    b_iso_A2: Mapping[str, float]
    occupancy: Mapping[str, float]
    R_Bragg: float | None = None
    b_iso_stderr_A2: Mapping[str, float | None] = field(default_factory=dict)
    occupancy_stderr: Mapping[str, float | None] = field(default_factory=dict)
    #: free fractional coordinates (``"x_Mg1"``) and their esd (None when held fixed)
    coordinates: Mapping[str, float] = field(default_factory=dict)
    coordinates_stderr: Mapping[str, float | None] = field(default_factory=dict)
    #: standard errors of the cell volume and X-ray density, from the refined lattice parameters'
    #: covariance (None when the cell was held)
    volume_stderr_A3: float | None = None
    density_stderr_g_cm3: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "formula": self.formula}
        for k, v in self.lattice.items():
            d[k] = v
            d[f"{k}_stderr"] = self.lattice_stderr.get(k)
        d.update(
            volume_A3=self.volume_A3,
            volume_stderr_A3=self.volume_stderr_A3,
            density=self.density_g_cm3,
            density_g_cm3=self.density_g_cm3,
            density_stderr_g_cm3=self.density_stderr_g_cm3,
            scale=self.scale,
            weight_fraction=self.weight_fraction,
            weight_fraction_stderr=self.weight_fraction_stderr,
            crystallite_size_nm=self.crystallite_size_nm,
            crystallite_size_stderr_nm=self.crystallite_size_stderr_nm,
            microstrain=self.microstrain,
            microstrain_stderr=self.microstrain_stderr,
            B_iso_A2=dict(self.b_iso_A2),
            occupancy=dict(self.occupancy),
            R_Bragg=self.R_Bragg,
            B_iso_stderr_A2=dict(self.b_iso_stderr_A2),
            occupancy_stderr=dict(self.occupancy_stderr),
            coordinates=dict(self.coordinates),
            coordinates_stderr=dict(self.coordinates_stderr),
        )
        return d


@dataclass(frozen=True, eq=False)
class RietveldResult:
    """What a refinement found; agreement factors in percent."""

    phases: tuple[PhaseResult, ...]
    Rp: float
    Rwp: float
    Rexp: float
    chi2: float
    n_points: int
    n_free: int
    zero_deg: float
    fit: FitResult
    warnings: tuple[str, ...]
    two_theta_deg: np.ndarray = field(repr=False)
    y_obs: np.ndarray = field(repr=False)
    y_calc: np.ndarray = field(repr=False)
    y_background: np.ndarray = field(repr=False)
    y_phases: np.ndarray = field(repr=False)
    ticks: tuple[np.ndarray, ...] = field(repr=False)
    values: Mapping[str, float] = field(repr=False, default_factory=dict)
    verdict: Verdict = field(default_factory=Verdict.ok)

    def phase(self, name: str) -> PhaseResult:
        for p in self.phases:
            if p.name == name:
                return p
        raise SselabError(f"no phase {name!r} in this result")

    def to_dict(self) -> dict[str, Any]:
        return {
            "phases": [p.to_dict() for p in self.phases],
            "Rp": self.Rp,
            "Rwp": self.Rwp,
            "Rexp": self.Rexp,
            "chi2": self.chi2,
            "n_points": self.n_points,
            "n_free_parameters": self.n_free,
            "zero_deg": self.zero_deg,
            "parameters": {p.name: p.to_dict() for p in self.fit.parameters},
            "warnings": list(self.warnings),
            **self.verdict.to_dict(),
        }


def agreement(y_obs: np.ndarray, y_calc: np.ndarray, sigma: np.ndarray, n_free: int) -> tuple[float, float, float, float]:
    """(Rp, Rwp, Rexp) in percent and χ² = (Rwp/Rexp)², REFERENCE §3."""
    w = 1.0 / sigma**2
    swy2 = float(np.sum(w * y_obs**2))
    rp = float(np.sum(np.abs(y_obs - y_calc)) / np.sum(y_obs))
    rwp = math.sqrt(float(np.sum(w * (y_obs - y_calc) ** 2)) / swy2)
    rexp = math.sqrt(max(y_obs.size - n_free, 1) / swy2)
    return 100 * rp, 100 * rwp, 100 * rexp, (rwp / rexp) ** 2


def _sigma(pattern: DiffractionPattern) -> np.ndarray:
    if pattern.sigma is not None and np.all(np.asarray(pattern.sigma) > 0):
        return np.asarray(pattern.sigma, float)
    return np.sqrt(np.maximum(np.asarray(pattern.intensity, float), 1.0))


def instrument_for(pattern: DiffractionPattern, instrument: Instrument | None) -> Instrument:
    """The given instrument, else the lines the file states: two lines (Kα2/Kα1 ratio from the file,
    0.5 if it has none), one line the reader found stated as one (a monochromator, Kα1 only) as
    one, a bare wavelength number as :meth:`Instrument.from_wavelength`; Cu Kα1+Kα2 if none."""
    if instrument is not None:
        return instrument
    wl = pattern.wavelength_A
    if len(wl) >= 2:
        ratio = pattern.metadata.get("kalpha2_ratio") or 0.5
        return Instrument.cu_ka(wavelengths_A=tuple(wl[:2]), ratios=(1.0, float(ratio)))
    if len(wl) == 1:
        if pattern.metadata.get("wavelength_lines_unknown"):
            return Instrument.from_wavelength(wl[0])[0]
        return Instrument.single(wl[0])
    return Instrument.cu_ka()


#: optional Bragg–Brentano peak-shift terms (sselab.xrd.model): transparency ∝ sin2θ, axial divergence ∝ cot2θ
SHIFT_TERMS = ("transparency_deg", "axial_deg")
#: parameters freed by ``refine_atoms``: free coordinates and isotropic B of every site
ATOM_PARAMETERS = ("*.x_*", "*.y_*", "*.z_*", "*.B_*")


def _matches(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


class Refinement:
    """A refinement set up on one pattern; :meth:`run` executes stages.

    Parameters
    ----------
    pattern, phases, instrument
    n_background : int
    two_theta_range : (float, float), optional
    start : mapping, optional
        Start values by parameter name (e.g. ``{"Mg3AsN.a": 4.23}``).
    """

    def __init__(
        self,
        pattern: DiffractionPattern,
        phases: Sequence[Phase],
        instrument: Instrument | None = None,
        *,
        n_background: int = 6,
        two_theta_range: tuple[float, float] | None = None,
        start: Mapping[str, float] | None = None,
        preferred_orientation: Mapping[str, tuple[int, int, int]] | None = None,
        ties: Mapping[str, tuple[str, float, float]] | None = None,
    ) -> None:
        x = np.asarray(pattern.two_theta_deg, float)
        y = np.asarray(pattern.intensity, float)
        s = _sigma(pattern)
        order = np.argsort(x)
        x, y, s = x[order], y[order], s[order]
        keep = np.isfinite(x) & np.isfinite(y) & np.isfinite(s)
        self.dropped = int((~keep).sum())  # named in the result's verdict (points_dropped)
        if two_theta_range is not None:
            keep &= (x >= two_theta_range[0]) & (x <= two_theta_range[1])
        x, y, s = x[keep], y[keep], s[keep]
        if x.size < 50:
            raise FitError(f"only {x.size} points in the 2θ range: too few to refine")
        if not np.any(y > 0) or np.ptp(y) == 0:
            raise FitError(f"{pattern.source or 'pattern'}: no positive, varying intensity in the 2θ range "
                           "(all counts zero or constant): nothing to refine")
        self.x, self.y, self.sigma = x, y, s
        self.model = PowderModel(list(phases), x, instrument_for(pattern, instrument), n_background,
                                 preferred_orientation=preferred_orientation)
        self.params: Parameters = self.model.parameters()
        if start:
            self.params = self.params.with_values(dict(start))
        self.last_fit: FitResult | None = None
        #: the parameters after each fit of the last stage run (its refits on new peak windows included)
        self.stage_params: list[Parameters] = []
        self._refined: set[str] = set()
        self.ties = _check_ties(self.model, ties or {})
        self._linear_start()

    def _linear_start(self) -> None:
        """Scales and background by linear least squares at the start values."""
        v = self.params.value_array.copy()
        for p in self.model.phases:
            v[self.model.index(f"{p.name}.scale")] = 1.0
        cols = self.model.evaluate(v, per_phase=True)
        norm = cols.max(axis=1, initial=0.0)
        norm[norm <= 0] = 1.0
        A = np.column_stack([(cols / norm[:, None]).T, self.model._bkg_basis]) / self.sigma[:, None]
        coef, *_ = np.linalg.lstsq(A, self.y / self.sigma, rcond=None)
        n = len(self.model.phases)
        scales = np.maximum(coef[:n], 1e-6 * max(coef[:n].max(initial=0.0), 1.0)) / norm
        values = {f"{p.name}.scale": float(s) for p, s in zip(self.model.phases, scales)}
        values.update({f"bkg{i}": float(c) for i, c in enumerate(coef[n:])})
        self.params = self.params.with_values(values)

    def free(self, patterns: Sequence[str], fixed: Sequence[str] = ()) -> None:
        """Free exactly the parameters matching ``patterns`` (fnmatch), minus ``fixed``."""
        names = [n for n in self.params.names if _matches(n, patterns) and not _matches(n, fixed)]
        if not names:
            raise SselabError(f"no parameter matches {list(patterns)}")
        p = self.params
        for n in p.names:
            p = p.replace(n, fixed=n not in names)
        for n in set(names) - self._refined:  # start values off the bound, once: a refined D at the bound stays
            if n.endswith(".D_nm") and p[n].value >= D_INFINITE_NM:
                p = p.replace(n, value=100.0)
            if n.endswith(".strain") and p[n].value <= 0:
                p = p.replace(n, value=1e-3)
        self._refined |= set(names)
        self.params = p

    def run_stage(self, patterns: Sequence[str], fixed: Sequence[str] = (), max_iter: int = 100,
                  ftol: float = FINAL_FTOL) -> FitResult:
        """Free the parameters matching ``patterns`` and fit.  Peak windows are held fixed
        during a fit (smooth derivatives).  ``ftol``: the relative cost reduction of a step
        below which the fit stops; with the default (a last stage) the fit is repeated until
        it ends on the windows of its own solution, with :data:`~sselab.xrd.stages.STAGE_FTOL`
        (a stage whose parameters a later one refines again, on new windows) it is not
        (:mod:`sselab.xrd.stages`)."""
        self.free(patterns, fixed)
        win = self.model.windows(self.params.value_array)
        res = self._fit(win, max_iter, ftol)
        self.stage_params = [self.params]  # after each fit of this stage
        settled = ftol > FINAL_FTOL  # only a last stage has to end on its own windows
        for _ in range(0 if settled else WINDOW_REFITS):
            new = self.model.windows(self.params.value_array)
            if same_windows(new, win):
                break
            win, chi2 = new, res.chi2
            res = self._fit(win, max_iter, ftol)
            self.stage_params.append(self.params)
            if abs(res.chi2 - chi2) < WINDOW_CHI2_TOL:
                settled = True
                break
        self.windows_settled = settled or same_windows(self.model.windows(self.params.value_array), win)
        return res

    def _fit(self, win: tuple[np.ndarray, np.ndarray], max_iter: int, ftol: float = FINAL_FTOL) -> FitResult:
        model, y, sigma = self.model, self.y, self.sigma

        for slave in self.ties:  # a tied parameter follows its master, never refined itself
            self.params = self.params.replace(slave, fixed=True)
        free = np.flatnonzero(self.params.free_mask)
        # ties whose master is free: slave = c0 + c1·master, its Jacobian column added to the master's
        links = [(model.index(sl), model.index(m), c0, c1) for sl, (m, c0, c1) in self.ties.items()
                 if not self.params[m].fixed]
        cols = np.concatenate([free, [li[0] for li in links]]).astype(int)
        where = {int(i): j for j, i in enumerate(free)}

        def tie(P: np.ndarray) -> np.ndarray:
            P = np.array(P, float)
            for sl, m, c0, c1 in links:
                P[sl] = c0 + c1 * P[m]
            return P

        def fun(P: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            r = np.empty((P.shape[0], y.size))
            J = np.zeros((P.shape[0], y.size, P.shape[1]))
            for b in range(P.shape[0]):
                yc, Jb = model.evaluate_jacobian(tie(P[b]), win, cols)
                for j, (_, m, _, c1) in enumerate(links):
                    Jb[:, where[m]] += c1 * Jb[:, free.size + j]
                r[b] = (yc - y) / sigma
                J[b][:, free] = Jb[:, : free.size] / sigma[:, None]
            return r, J

        res = fit(fun, self.params, max_iter=max_iter, ftol=ftol)
        if links:
            est = {e.name: e for e in res.parameters}
            new = []
            for e in res.parameters:
                if e.name in self.ties and not self.params[self.ties[e.name][0]].fixed:
                    m, c0, c1 = self.ties[e.name]
                    se = est[m].stderr
                    e = replace(e, value=c0 + c1 * est[m].value, stderr=None if se is None else abs(c1) * se)
                new.append(e)
            res = replace(res, parameters=tuple(new))
        self.params = self.params.with_values({e.name: min(max(e.value, e.min), e.max) for e in res.parameters})
        self.last_fit = res
        return res

    def run(self, stages: Sequence[Sequence[str]] = DEFAULT_STAGES, fixed: Sequence[str] = ()) -> "RietveldResult":
        for i, stage in enumerate(stages):
            self.run_stage(stage, fixed, ftol=stage_ftol(stages, i))
        return self.result()

    def result(self) -> RietveldResult:
        if self.last_fit is None:
            raise FitError("no stage has been run")
        from .summary import summarise

        return summarise(self)


@single_threaded_blas()
def refine(
    pattern: DiffractionPattern,
    phases: Sequence[Phase],
    instrument: Instrument | None = None,
    *,
    stages: Sequence[Sequence[str]] | None = None,
    refine_b: bool = False,
    fixed: Sequence[str] = (),
    n_background: int = 6,
    two_theta_range: tuple[float, float] | None = None,
    start: Mapping[str, float] | None = None,
    preferred_orientation: Mapping[str, tuple[int, int, int]] | None = None,
    refine_atoms: bool = False,
    occupancies: Sequence[str] = (),
    ties: Mapping[str, tuple[str, float, float]] | None = None,
    refine_asymmetry: bool = False,
    refine_shifts: Sequence[str] = (),
) -> RietveldResult:
    """Refine ``phases`` against ``pattern`` in stages (default :data:`DEFAULT_STAGES`;
    ``refine_b`` adds a last stage with every isotropic B; ``preferred_orientation`` {phase: (h, k, l)}
    adds each such phase's March–Dollase r to the last stage; ``refine_atoms`` adds a stage with
    every free coordinate (within its site symmetry, :mod:`~sselab.xrd.atoms`) and isotropic B;
    ``occupancies`` are patterns of occupancy parameters (``"Mg3AsN.occ_*"``) refined in that last
    stage; ``ties`` {slave: (master, c0, c1)} constrain slave = c0 + c1·master (linked
    occupancies, fixed totals); ``refine_asymmetry`` adds the Bérar–Baldinozzi P1, P2 and
    ``refine_shifts`` the peak-shift terms named in :data:`SHIFT_TERMS` to the last stage).
    ``fixed`` patterns stay fixed."""
    if set(refine_shifts) - set(SHIFT_TERMS):
        raise SselabError(f"unknown peak-shift term(s) {sorted(set(refine_shifts) - set(SHIFT_TERMS))}; known: {SHIFT_TERMS}")
    job = Refinement(pattern, phases, instrument, n_background=n_background, two_theta_range=two_theta_range,
                     start=start, preferred_orientation=preferred_orientation, ties=ties)
    stages = list(stages or DEFAULT_STAGES)
    for extra in (tuple(f"{name}.po_r" for name in preferred_orientation or ()), ("*.B_*",) if refine_b else (),
                  ATOM_PARAMETERS if refine_atoms else (), tuple(occupancies),
                  (*(("asym_P1", "asym_P2") if refine_asymmetry else ()), *refine_shifts)):
        if extra:  # each option adds one stage: the previous one plus its parameters
            stages.append((*stages[-1], *extra))
    return run_guarded(job, stages, fixed)  # a phase broadened into background: held and refined again
