"""Cyclic voltammetry of a symmetric (metal|SE|metal) cell: scans, peaks, onsets, charges.

Rules (stated)
--------------
* **Vertices** are turning points of the potential, found with hysteresis: a turn counts
  once the potential has moved back by ``δ = max(5 × median |ΔE| per point, 0.5 % of the
  potential range)`` from the running extremum (noise never makes a vertex).
* **Sweeps** are the monotonic pieces between vertices (cathodic: E decreasing).  A **scan**
  (cycle) runs from the start until the potential crosses the start potential again in the
  initial direction; when the record starts at a vertex, scans are split at that vertex type.
* Peaks are defined by the **sign of the current** (negative = deposition/plating on the
  working electrode): the deposition peak is the most negative current of the scan after a
  5-point running median within each sweep (spikes removed), its position refined by a
  parabola through the top (points above 80 % of the peak),
  the dissolution peak the most positive.  When the extremum lies at a vertex (within 1 % of
  the sweep's points) the current was still rising when the sweep turned: reported with
  ``at_vertex = true`` — it is then a current limit, not a peak.
* **Onset**: walking back along the sweep from the peak, the potential where |I| first drops
  below ``onset_fraction`` (10 %) of the peak current (linear interpolation); None when it
  never drops that low inside the sweep.
* **Charges** per scan: Q_plating = ∫ min(I, 0) dt, Q_stripping = ∫ max(I, 0) dt (trapezoid);
  coulombic efficiency = Q_stripping / |Q_plating|.
* **Kind** (``kind=`` or detected, said in the result): ``plating`` (plating/stripping of
  the metal: the sweep crosses 0 V against the metal) or ``stability`` (an electrochemical
  stability window: the potential stays on one side of 0 V, e.g. 1.5–5.5 V).  A stability CV
  has no deposition/dissolution peaks and no coulombic efficiency; its oxidative and
  reductive limits are the potentials where |I| first exceeds the larger of
  ``LIMIT_NOISE_FACTOR`` (20) times the current noise and ``LIMIT_BACKGROUND_FACTOR`` (10)
  times the median |I| of the record (its capacitive background).
* **A peak must be a peak**: its prominence (|I_peak| minus the larger of the lowest |I| on
  either side within its sweep) must exceed ``PEAK_NOISE_FACTOR`` (10) times the current
  noise (:func:`current_noise`, from second differences), and it must not sit at
  the record's first or last point.  Extrema that fail are dropped with a reason
  (``not_a_peak``), never reported as peaks.
* Sanity: a coulombic efficiency above ``CE_WARNING`` (1.2) is a warning, above
  ``CE_FAILED`` (10) a failure (``implausible_ce``): stripping cannot return far more than was
  plated.

Examples
--------
>>> from sselab.cycling.simulate import simulate_voltammogram
>>> res = voltammetry(simulate_voltammogram(n_cycles=1))
>>> round(res.scans[0].deposition.potential_V, 2), round(res.scans[0].dissolution.potential_V, 2)
(-1.6, 1.4)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..exceptions import AnalysisError
from ..measurements import Voltammogram
from ..verdict import Reason, Verdict

KINDS = ("plating", "stability")
PEAK_NOISE_FACTOR = 10.0
LIMIT_NOISE_FACTOR = 20.0
LIMIT_BACKGROUND_FACTOR = 10.0
CE_WARNING = 1.2
CE_FAILED = 10.0


@dataclass(frozen=True)
class Peak:
    """A deposition (I < 0) or dissolution (I > 0) peak of one scan."""

    kind: str
    potential_V: float
    current_A: float
    onset_V: float | None
    at_vertex: bool
    index: int

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "potential_V": self.potential_V, "current_A": self.current_A,
                "onset_V": self.onset_V, "at_vertex": self.at_vertex}


@dataclass(frozen=True)
class Scan:
    """One scan (cycle) of the voltammogram: points ``start:stop``."""

    number: int
    start: int
    stop: int
    complete: bool
    e_min_V: float
    e_max_V: float
    deposition: Peak | None
    dissolution: Peak | None
    plating_charge_C: float
    stripping_charge_C: float

    @property
    def coulombic_efficiency(self) -> float | None:
        return self.stripping_charge_C / abs(self.plating_charge_C) if self.plating_charge_C else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "scan": self.number, "complete": self.complete, "start_point": self.start, "stop_point": self.stop,
            "E_min_V": self.e_min_V, "E_max_V": self.e_max_V,
            "deposition_peak": None if self.deposition is None else self.deposition.to_dict(),
            "dissolution_peak": None if self.dissolution is None else self.dissolution.to_dict(),
            "plating_charge_C": self.plating_charge_C, "stripping_charge_C": self.stripping_charge_C,
            "coulombic_efficiency": self.coulombic_efficiency,
        }


@dataclass(frozen=True)
class VoltammetryResult:
    source: str
    scan_rate_V_per_s: float
    vertices_V: tuple[float, ...]
    vertex_indices: tuple[int, ...]
    scans: tuple[Scan, ...]
    onset_fraction: float
    warnings: tuple[str, ...] = ()
    kind: str = "plating"
    kind_source: str = "stated"
    reasons: tuple[Reason, ...] = ()
    oxidative_limit_V: float | None = None
    reductive_limit_V: float | None = None
    noise_A: float = float("nan")

    @property
    def verdict(self) -> Verdict:
        return Verdict.of(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.verdict.to_dict(),
            "kind": self.kind, "kind_source": self.kind_source,
            "oxidative_limit_V": self.oxidative_limit_V, "reductive_limit_V": self.reductive_limit_V,
            "current_noise_A": self.noise_A,
            "source": self.source, "scan_rate_V_per_s": self.scan_rate_V_per_s,
            "n_scans": len(self.scans), "vertices_V": list(self.vertices_V),
            "onset_criterion": f"|I| below {self.onset_fraction:g} x peak current, walking back along the sweep",
            "convention": "negative current = deposition/plating on the working electrode",
            "scans": [s.to_dict() for s in self.scans], "warnings": list(self.warnings),
        }


def find_vertices(e: np.ndarray) -> list[int]:
    """Indices of the turning points of ``e`` (hysteresis rule in the module docstring)."""
    de = np.abs(np.diff(e))
    delta = max(5 * float(np.median(de)) if de.size else 0.0, 0.005 * float(np.ptp(e)))
    vertices: list[int] = []
    ext = 0
    direction = 0
    for k in range(1, e.size):
        if direction == 0:
            if abs(e[k] - e[0]) > delta:
                direction = 1 if e[k] > e[0] else -1
                ext = int(np.argmax(direction * e[: k + 1]))
            continue
        if (e[k] - e[ext]) * direction > 0:
            ext = k
        elif abs(e[k] - e[ext]) > delta:
            vertices.append(ext)
            direction = -direction
            ext = k
    return vertices


def _smooth(i: np.ndarray, bounds: list[int]) -> np.ndarray:
    """Running median (5 points) within each sweep: removes single-point spikes, never rings,
    and never mixes the two sides of a vertex."""
    out = i.copy()
    for a, b in zip(bounds[:-1], bounds[1:]):
        seg = i[a:b + 1]
        if seg.size >= 5:
            out[a:b + 1] = _median5(seg)
    out[0], out[-1] = i[0], i[-1]
    return out


def _median5(x: np.ndarray) -> np.ndarray:
    """5-point running median with zero padding at the ends: ``scipy.signal.medfilt(x, 5)``
    without importing scipy.signal (over a second of imports for one small filter).

    >>> _median5(np.array([1.0, 9.0, 2.0, 3.0, 4.0, 5.0])).tolist()
    [1.0, 2.0, 3.0, 4.0, 3.0, 3.0]
    """
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(np.asarray(x, float), 2), 5)
    return np.sort(windows, axis=-1)[:, 2]


def _onset(e: np.ndarray, i: np.ndarray, peak: int, lo: int, fraction: float) -> float | None:
    thr = fraction * abs(i[peak])
    s = np.sign(i[peak])
    for k in range(peak, lo - 1, -1):
        if s * i[k] < thr:
            if k == peak:
                return float(e[k])
            a, b = s * i[k], s * i[k + 1]
            f = (thr - a) / (b - a) if b != a else 0.0
            return float(e[k] + f * (e[k + 1] - e[k]))
    return None


def _peak(kind: str, e, i_s, idx: int, bounds: list[int], fraction: float) -> Peak:
    # sweep that holds idx
    pos = int(np.searchsorted(bounds, idx, side="right")) - 1
    lo, hi = bounds[pos], bounds[min(pos + 1, len(bounds) - 1)]
    margin = max(1, int(0.01 * (hi - lo)))
    at_vertex = idx - lo < margin or hi - idx <= margin
    e_pk, i_pk = float(e[idx]), float(i_s[idx])
    if not at_vertex:
        # refine: parabola through the contiguous top where |I| >= 80 % of the peak
        a = idx
        while a > lo and abs(i_s[a - 1]) >= 0.8 * abs(i_pk):
            a -= 1
        b = idx
        while b < hi and abs(i_s[b + 1]) >= 0.8 * abs(i_pk):
            b += 1
        if b - a >= 4:
            x0 = e[idx]
            c2, c1, c0 = np.polyfit(e[a:b + 1] - x0, i_s[a:b + 1], 2)
            if c2 != 0 and np.sign(c2) == -np.sign(i_pk):
                x = -c1 / (2 * c2)
                if min(e[a], e[b]) - x0 <= x <= max(e[a], e[b]) - x0:
                    e_pk, i_pk = float(x0 + x), float(c0 + c1 * x + c2 * x * x)
    return Peak(kind, e_pk, i_pk, _onset(e, i_s, idx, lo, fraction), bool(at_vertex), int(idx))


def current_noise(i: np.ndarray) -> float:
    """Noise σ of the current from its second differences (a smooth trend cancels):
    1.4826 × median|I[k+1] − 2I[k] + I[k−1]| / √6."""
    d2 = np.diff(np.asarray(i, float), 2)
    sigma = float(1.4826 * np.median(np.abs(d2)) / np.sqrt(6)) if d2.size else 0.0
    return sigma if sigma > 0 else float(np.finfo(float).tiny)


def detect_kind(e: np.ndarray) -> tuple[str, str]:
    """(kind, why): ``plating`` when the potential crosses 0 V, else ``stability``."""
    lo, hi = float(np.min(e)), float(np.max(e))
    if lo < 0 < hi:
        return "plating", f"detected: the potential crosses 0 V ({lo:.3g} to {hi:.3g} V)"
    return "stability", f"detected: the potential stays on one side of 0 V ({lo:.3g} to {hi:.3g} V)"


def _prominence(i_s: np.ndarray, idx: int, bounds: list[int]) -> float:
    pos = int(np.searchsorted(bounds, idx, side="right")) - 1
    lo, hi = bounds[pos], bounds[min(pos + 1, len(bounds) - 1)]
    a = np.abs(i_s[lo:idx + 1]).min()
    b = np.abs(i_s[idx:hi + 1]).min()
    return float(abs(i_s[idx]) - max(a, b))


def _limit(e: np.ndarray, i_s: np.ndarray, threshold: float, sign: int) -> float | None:
    """The first potential (in record order) where sign·I exceeds ``threshold``."""
    over = np.flatnonzero(sign * i_s > threshold)
    return float(e[over[0]]) if over.size else None


#: a record with more than this fraction of its points within ±max(1 mV, 0.5 % of its range) of
#: its median potential is a hold, not a sweep (biologic/ca.mpr: 99 %; a CV: ≈ 1 %)
HOLD_MIN_FRACTION = 0.5


def _held_fraction(e: np.ndarray) -> float:
    """Fraction of the points at the record's median potential (see :data:`HOLD_MIN_FRACTION`)."""
    tol = max(1e-3, 0.005 * float(np.ptp(e)))
    return float(np.mean(np.abs(e - np.median(e)) <= tol))


#: a record with more than this fraction of its points at one |I| (within 1 % of the median
#: |I|) is current-controlled (gcpl.mpr, geis.mpr: 100 %; a CV's current varies by decades)
FIXED_CURRENT_MIN_FRACTION = 0.8


def _fixed_current_fraction(i: np.ndarray) -> float:
    """Fraction of the points whose |I| is within 1 % of the median |I| (0 for a zero current)."""
    med = float(np.median(np.abs(i)))
    return float(np.mean(np.abs(np.abs(i) - med) <= 0.01 * med)) if med > 0 else 0.0


def voltammetry(vgram: Voltammogram, *, onset_fraction: float = 0.1, kind: str | None = None) -> VoltammetryResult:
    """Split ``vgram`` into scans and find each scan's peaks, onsets and branch charges.

    ``kind``: ``"plating"`` or ``"stability"`` (see the module docstring); None: detected.

    Raises
    ------
    AnalysisError
        Too few points, or a potential that never changes.
    """
    t = np.asarray(vgram.time_s, float)
    e = np.asarray(vgram.potential_V, float)
    i = np.asarray(vgram.current_A, float)
    ok = np.isfinite(t) & np.isfinite(e) & np.isfinite(i)
    t, e, i = t[ok], e[ok], i[ok]
    src = vgram.source or "voltammogram"
    if t.size < 10:
        raise AnalysisError(f"{src}: a voltammogram needs at least 10 points (got {t.size})")
    if np.ptp(e) <= 0:
        raise AnalysisError(f"{src}: the potential never changes: not a voltammogram")
    if kind is not None and kind not in KINDS:
        raise AnalysisError(f"unknown voltammogram kind {kind!r}; use plating or stability")
    held = _held_fraction(e)
    if held > HOLD_MIN_FRACTION:
        raise AnalysisError(f"{src}: not a voltammogram: the potential stays at {float(np.median(e)):.4g} V for "
                            f"{100 * held:.0f} % of the record (a potentiostatic hold, e.g. chronoamperometry?); "
                            "a CV sweeps the potential")
    fixed = _fixed_current_fraction(i)
    if fixed > FIXED_CURRENT_MIN_FRACTION:
        raise AnalysisError(f"{src}: not a voltammogram: |I| stays at {float(np.median(np.abs(i))):.4g} A (within 1 %) for "
                            f"{100 * fixed:.0f} % of the record — a galvanostatic (current-controlled) record; a CV "
                            "sweeps the potential and records the current")
    kind, kind_source = (kind, "stated") if kind else detect_kind(e)
    vertices = find_vertices(e)
    warnings: list[str] = []
    reasons: list[Reason] = []
    if not vertices:
        warnings.append("no vertex: a single linear sweep")
        reasons.append(Reason("single_sweep", f"no vertex: the record is one sweep from {e[0]:.3g} to {e[-1]:.3g} V "
                              "(a truncated file, or only part of the CV)"))
    bounds = [0, *vertices, e.size - 1]
    # scan boundaries
    delta = max(5 * float(np.median(np.abs(np.diff(e)))), 0.005 * float(np.ptp(e)))
    e0 = e[0]
    d0 = np.sign(e[bounds[1]] - e0) if len(bounds) > 1 else 1.0
    starts_at_vertex = len(vertices) > 0 and (abs(e0 - e.min()) < delta or abs(e0 - e.max()) < delta)
    cuts = [0]
    if starts_at_vertex:
        # start at a vertex: new scan at each later vertex of the same type as the start
        same = [v for v in vertices if np.sign(e[v] - np.mean(e)) == np.sign(e0 - np.mean(e))]
        cuts += same
    else:
        for k in range(1, e.size):
            crosses = (e[k - 1] - e0) * d0 < 0 <= (e[k] - e0) * d0
            if crosses and _n_vertices_between(vertices, cuts[-1], k) >= 2:
                cuts.append(k)
    cuts.append(e.size)
    # a tail of a few points after the last crossing (the final return to E0) joins the last scan
    if len(cuts) > 2 and cuts[-1] - cuts[-2] < 5:
        del cuts[-2]
    dt = np.diff(t)
    good = dt > 0
    rate = float(np.median(np.abs(np.diff(e))[good] / dt[good])) if good.any() else float("nan")
    if vgram.scan_rate_V_per_s:
        if abs(rate / vgram.scan_rate_V_per_s - 1) > 0.2:
            warnings.append(f"scan rate from the data {rate:.3g} V/s differs from the file's "
                            f"{vgram.scan_rate_V_per_s:.3g} V/s")
    i_s = _smooth(i, bounds)
    noise = current_noise(i)
    scans = []
    for n, (a, b) in enumerate(zip(cuts[:-1], cuts[1:]), start=1):
        sl = slice(a, b)
        nv = _n_vertices_between(vertices, a, b)
        complete = nv >= 2 and b < e.size or (nv >= 2 and abs(e[b - 1] - e0) < delta)
        seg_i = i_s[sl]
        dep = dis = None
        if kind == "plating":
            for what, idx in (("deposition", a + int(np.argmin(seg_i))), ("dissolution", a + int(np.argmax(seg_i)))):
                if (what == "deposition") != (i_s[idx] < 0) or i_s[idx] == 0:
                    continue
                prom = _prominence(i_s, idx, bounds)
                if idx in (0, e.size - 1) or prom < PEAK_NOISE_FACTOR * noise:
                    where = "at the record's end" if idx in (0, e.size - 1) else \
                        f"prominence {prom:.2g} A < {PEAK_NOISE_FACTOR:g} x noise {noise:.2g} A"
                    reasons.append(Reason("not_a_peak", f"scan {n}: the largest {what} current {i_s[idx]:.3g} A at "
                                          f"{e[idx]:.3g} V is not a peak ({where})"))
                    continue
                pk = _peak(what, e, i_s, idx, bounds, onset_fraction)
                dep, dis = (pk, dis) if what == "deposition" else (dep, pk)
        tt, ii = t[sl], i[sl]
        qp = float(np.trapezoid(np.minimum(ii, 0), tt))
        qs = float(np.trapezoid(np.maximum(ii, 0), tt))
        sc = Scan(n, a, b, bool(complete), float(e[sl].min()), float(e[sl].max()), dep, dis,
                  qp if kind == "plating" else 0.0, qs if kind == "plating" else 0.0)
        scans.append(sc)
        ce = sc.coulombic_efficiency
        if ce is not None and ce > CE_WARNING:
            reasons.append(Reason("implausible_ce", f"scan {n}: coulombic efficiency {ce:.3g} ≫ 1: stripping returns "
                                  "more than was plated (side reactions, or not a plating/stripping CV)",
                                  "failed" if ce > CE_FAILED else "warning"))
        if not complete:
            warnings.append(f"scan {n} is incomplete (record ends before it returns to the start)")
    ox = red = None
    if kind == "stability":
        thr = max(LIMIT_NOISE_FACTOR * noise, LIMIT_BACKGROUND_FACTOR * float(np.median(np.abs(i))))
        ox, red = _limit(e, i_s, thr, 1), _limit(e, i_s, thr, -1)
        reasons.append(Reason("stability_window", "a stability-window CV: no plating/stripping peaks or coulombic "
                              f"efficiency; limits where |I| > {thr:.2g} A"))
        reasons = [r for r in reasons if r.code != "stability_window"]  # said by kind, not a warning
    return VoltammetryResult(src, rate, tuple(float(e[v]) for v in vertices), tuple(vertices), tuple(scans),
                             onset_fraction, tuple(warnings), kind, kind_source, tuple(reasons), ox, red, noise)


def _n_vertices_between(vertices: list[int], a: int, b: int) -> int:
    return sum(1 for v in vertices if a < v < b)
