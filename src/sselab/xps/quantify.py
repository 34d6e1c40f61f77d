"""Quantification (atomic %, ratios from areas and RSFs) and charge correction.

Atomic fraction x_i = (A_i / S_i) / Σ_j (A_j / S_j), S the relative sensitivity factor
times, where chosen, a correction — CasaXPS's divisor ``RSF*T*MFP``, T the analyser
transmission (here from the file, point by point, when it carries one) and MFP the
escape-depth (inelastic mean free path) factor MFP = KE^x, KE = hν − BE: ``"none"`` (RSFs
already include everything, e.g. instrument-specific empirical RSFs; MFP = 1, which is what
CasaXPS's own table of tests/data/xps/FeO_analyzed_results.csv shows: its T*MFP column equals
the file's transmission at each peak to 1e-4, see tests/xps/test_xps_mfp.py), ``"imfp"``
(MFP = KE^x with x = ``mfp_exponent``, default :data:`MFP_EXPONENT` = 0.6 — the usual
IMFP energy scaling, between Seah & Dench's KE^0.5 for elements, Surf. Interface Anal. 1
(1979) 2, and the ~KE^0.75 of the TPP-2M IMFPs at 0.5–1.5 keV) or ``"transmission"`` (× KE^0.6 × KE^−0.5: the IMFP scaling
times an analyser transmission falling as KE^−0.5, a common approximation for fixed
analyser transmission (FAT/CAE) mode; use "imfp" for data already transmission-corrected
and "none" for instrument RSF libraries).  The chosen correction is stated in the result.

Built-in RSFs (:data:`SCOFIELD_AL_KA`): Scofield's calculated photoionisation cross-sections
for Al Kα, 1486.6 eV (J. H. Scofield, J. Electron Spectrosc. Relat. Phenom. 8 (1976) 129),
normalised to C 1s = 1.00, whole subshell (both spin–orbit lines summed), which is the
convention of CasaXPS's Scofield element library ("ALSCOF").  (Kratos' own C 1s-based RSF
library is empirical and includes the instrument's transmission, so its numbers differ,
e.g. N 1s 1.72, As 3d 2.44; pass those as user RSFs with ``correction="none"``.)
The ALSCOF values, checked against the copy shipped by KherveFitting
(``KherveFitting_library.xlsx``, rows "A-ALSCOF" and "C-Al1486", commit c64b50d4 of
github.com/KherveFitting/KherveFitting): C 1s 1.00, N 1s 1.80, O 1s 2.93,
F 1s 4.43, Mg 2p 0.334, S 2p 1.677 (2p3/2 1.11 + 2p1/2 0.567), Zr 3d 7.04 (3d5/2 4.17 +
3d3/2 2.87), As 3d 1.821 (3d5/2 1.08 + 3d3/2 0.741).  Mg 2p is given there only as the
summed subshell (no 2p3/2 / 2p1/2 split to cross-check).  These are theoretical
cross-sections: no IMFP, transmission or angular-asymmetry correction is included, so
choose ``correction`` accordingly.  Per-line values for fitting one spin–orbit line alone
are in :data:`SCOFIELD_AL_KA_LINES`.

Examples
--------
>>> q = quantify({"C 1s": (100.0, 1.0), "O 1s": (293.0, 2.0)})
>>> [round(r.atomic_percent, 1) for r in q.rows]
[50.0, 50.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..exceptions import AnalysisError, FitError
from ..measurements import XPSAcquisition, XPSRegion
from ..verdict import Reason, Verdict
from .model import PeakModel
from .rsf import AL_KA_EV
from .verdicts import quantification_reasons

#: Scofield (1976) Al Kα cross-sections relative to C 1s = 1, whole subshell
#: (J. Electron Spectrosc. Relat. Phenom. 8, 129; values of the CasaXPS "ALSCOF" library).
SCOFIELD_AL_KA: Mapping[str, float] = {
    "C 1s": 1.00, "N 1s": 1.80, "O 1s": 2.93, "F 1s": 4.43, "Mg 2p": 0.334, "S 2p": 1.677,
    "Zr 3d": 7.04, "As 3d": 1.821,
}
#: The same source, single spin–orbit lines (their sums are the subshell values above).
SCOFIELD_AL_KA_LINES: Mapping[str, float] = {
    "S 2p3/2": 1.11, "S 2p1/2": 0.567, "Zr 3d5/2": 4.17, "Zr 3d3/2": 2.87,
    "As 3d5/2": 1.08, "As 3d3/2": 0.741,
}
RSF_SOURCE = ("Scofield, J. Electron Spectrosc. Relat. Phenom. 8 (1976) 129: Al Ka 1486.6 eV "
              "photoionisation cross-sections relative to C 1s = 1, whole subshell (CasaXPS ALSCOF "
              "library values); no IMFP/transmission correction included")
CORRECTIONS = ("none", "imfp", "transmission")
#: default exponent x of the escape-depth factor MFP = KE^x (correction "imfp")
MFP_EXPONENT = 0.6
C1S_REFERENCE_EV = 284.8


@dataclass(frozen=True)
class QuantRow:
    label: str
    area: float
    area_stderr: float | None
    rsf: float
    atomic_percent: float
    atomic_percent_stderr: float | None
    rsf_source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "area": self.area, "area_stderr": self.area_stderr, "rsf": self.rsf,
                "rsf_source": self.rsf_source, "atomic_percent": self.atomic_percent,
                "atomic_percent_stderr": self.atomic_percent_stderr}


@dataclass(frozen=True)
class Quantification:
    rows: tuple[QuantRow, ...]
    rsf_source: str
    correction: str
    verdict: Verdict = Verdict.ok()
    notes: tuple[str, ...] = ()

    def ratio(self, a: str, b: str) -> float:
        """Atomic ratio a/b."""
        d = {r.label: r.atomic_percent for r in self.rows}
        if a not in d or b not in d:
            raise AnalysisError(f"ratio {a}/{b}: labels are {list(d)}")
        return d[a] / d[b] if d[b] else float("nan")

    def to_dict(self) -> dict[str, Any]:
        labels = [r.label for r in self.rows]
        ratios = {f"{a}/{b}": self.ratio(a, b) for i, a in enumerate(labels) for b in labels[i + 1:]}
        return {"rows": [r.to_dict() for r in self.rows], "atomic_percent": {r.label: r.atomic_percent for r in self.rows},
                "ratios": ratios, "rsf_source": self.rsf_source, "correction": self.correction,
                "notes": list(self.notes), **self.verdict.to_dict()}


def core_level(label: str) -> str | None:
    """'Ni 2p' for region labels such as 'Ni 2p', 'Ni2p', 'Ni 2p3/2', 'W4f'; None for 'Survey', 'VB'."""
    from .rsf import normalise

    return normalise(label)


def rsf_for(label: str, rsfs: Mapping[str, float] | None = None) -> float:
    """RSF of a region label ('As 3d'): user table first, then :data:`SCOFIELD_AL_KA`, then the
    built-in Scofield library (:mod:`sselab.xps.rsf`).

    Raises
    ------
    AnalysisError
        No RSF: the message names the element and how to give one.
    """
    return rsf_with_source(label, rsfs)[0]


def rsf_with_source(label: str, rsfs: Mapping[str, float] | None = None) -> tuple[float, str]:
    """(RSF, source) of a region label; see :func:`rsf_for`."""
    from .rsf import lookup

    level = core_level(label)
    keys = {label.replace(" ", "").lower()} | ({level.replace(" ", "").lower()} if level else set())
    for k, v in (rsfs or {}).items():
        if k.replace(" ", "").lower() in keys:
            return float(v), "user"
    for table in (SCOFIELD_AL_KA, SCOFIELD_AL_KA_LINES):
        for k, v in table.items():
            if k.replace(" ", "").lower() in keys:
                return float(v), "Scofield 1976 Al Ka, C 1s = 1 (CasaXPS ALSCOF)"
    return lookup(label, rsfs)


def mfp_factor(kinetic_eV: float, exponent: float = MFP_EXPONENT) -> float:
    """Escape-depth factor MFP = KE^x of CasaXPS's ``RSF*T*MFP`` divisor.

    Parameters
    ----------
    kinetic_eV : float
        Photoelectron kinetic energy KE = hν − BE [eV]; must be positive.
    exponent : float
        x (dimensionless); 0.6 by default.

    Returns
    -------
    float
        KE^x (in eV^x: only ratios between lines matter).

    Raises
    ------
    AnalysisError
        When KE ≤ 0.

    >>> round(mfp_factor(1000.0, 0.6), 4)   # 10^1.8
    63.0957
    """
    if kinetic_eV <= 0:
        raise AnalysisError(f"escape-depth correction: kinetic energy {kinetic_eV:g} eV is not positive")
    return float(kinetic_eV) ** float(exponent)


def _correction(kind: str, binding_eV: float | None, hv: float | None, mfp_exponent: float = MFP_EXPONENT) -> float:
    if kind == "none":
        return 1.0
    if kind not in CORRECTIONS:
        raise AnalysisError(f"correction {kind!r}; choose from {CORRECTIONS}")
    if binding_eV is None or hv is None:
        raise AnalysisError(f"correction {kind!r} needs the excitation energy and peak position")
    ke = hv - binding_eV
    mfp = mfp_factor(ke, mfp_exponent)  # refuses KE ≤ 0 (a negative base would give a complex factor)
    return mfp if kind == "imfp" else mfp * ke**-0.5


def quantify(areas: Mapping[str, tuple[float, float | None]], rsfs: Mapping[str, float] | None = None,
             correction: str = "none", positions_eV: Mapping[str, float] | None = None,
             excitation_energy_eV: float | None = None, element_of: Mapping[str, str] | None = None,
             mfp_exponent: float = MFP_EXPONENT) -> Quantification:
    """Atomic % from {label: (area, stderr)}.  ``element_of`` maps a label (e.g. a component
    'As3-') to the core level whose RSF applies ('As 3d'); default: the label itself;
    ``mfp_exponent`` is x of MFP = KE^x for ``correction="imfp"`` and ``"transmission"``."""
    if not areas:
        raise AnalysisError("nothing to quantify")
    norm, sources = {}, {}
    for label, (area, _err) in areas.items():
        level = (element_of or {}).get(label, label)
        pos = (positions_eV or {}).get(label)
        rsf, sources[label] = rsf_with_source(level, rsfs)
        s = rsf * _correction(correction, pos, excitation_energy_eV, mfp_exponent)
        # a negative area within three standard errors of 0 is "not detected": 0 in the normalisation
        # (a negative atomic fraction would inflate the others: 0-150W.vms summed to 104 % without Ni)
        nd = area < 0 and _err is not None and _err > 0 and area >= -3 * _err
        norm[label] = ((0.0 if nd else area) / s, s)
    total = sum(v for v, _ in norm.values())
    if total <= 0:
        raise AnalysisError("total normalised area is zero")
    rows = []
    for label, (area, err) in areas.items():
        v, s = norm[label]
        pct = 100 * v / total
        pct_err = None if err is None else 100 * (err / s) / total * (1 - v / total)
        rows.append(QuantRow(label, float(area), err, s, float(pct), pct_err, sources[label]))
    src = RSF_SOURCE if not rsfs else "user RSFs where given; otherwise " + RSF_SOURCE
    reasons = quantification_reasons([(r.label, r.area, r.area_stderr, r.atomic_percent) for r in rows])
    builtin = [r.label for r in rows if r.rsf_source != "user"]
    if builtin and excitation_energy_eV is not None and abs(excitation_energy_eV - AL_KA_EV) > 2.0:
        reasons.append(Reason("rsf_wrong_source", f"the built-in RSFs ({', '.join(builtin)}) are Al Ka "
                              f"cross-sections but the excitation energy is {excitation_energy_eV:g} eV: give "
                              "RSFs for your source with --rsf/--rsf-file", "failed"))
    elif builtin and excitation_energy_eV is None:
        reasons.append(Reason("excitation_unknown", "the excitation energy is not known; the built-in Al Ka "
                              "RSFs were assumed"))
    return Quantification(tuple(rows), src, correction, Verdict.of(reasons))


def acquisition_scale(region: XPSRegion, normalise: bool = True, transmission: bool = True
                      ) -> tuple[np.ndarray | float, str | None]:
    """Divisor turning a region's intensities into counts per second / transmission, and a note.

    As CasaXPS: counts ("d", "counts") are divided by dwell time × number of scans (the
    acquisition time per point); counts per second ("c/s") are kept; and, where the file
    gives a transmission function (one value per point), the intensity is divided by it.
    Regions recorded with different dwell times and scans can then be compared.
    """
    md = region.metadata
    scale: np.ndarray | float = 1.0
    parts = []
    unit = str(md.get("intensity_unit") or "").strip().lower()
    if normalise and unit in ("d", "counts", "count", "n"):
        dwell, scans = md.get("dwell_time_s"), md.get("n_scans") or md.get("scans")
        if dwell and scans:
            scale = float(dwell) * float(scans)
            parts.append(f"counts / ({float(dwell):g} s × {int(scans)} scans)")
    t = md.get("transmission")
    if transmission and t is not None and len(t) == len(region.counts):
        scale = scale * np.asarray(t, float)
        parts.append("/ transmission from the file")
    return scale, (f"{region.name}: " + " ".join(parts)) if parts else None


def region_areas(acq: XPSAcquisition, regions: list[str] | None = None, background: str = "shirley",
                 normalise: bool = True, transmission: bool = True
                 ) -> tuple[dict[str, tuple[float, float]], dict[str, float], list[str]]:
    """Background-subtracted areas of whole regions: ({name: (area, stderr)}, {name: peak BE}, notes).

    ``regions=None`` takes every region whose name is a core level ('Ni 2p', 'W4f'); the
    others (survey, valence band) are left out with a note.  The area's standard error is
    Poisson: √(Σ counts × step) × √step (counts in the window, trapezoid rule), combined with
    the error the background inherits from its end levels (means of 3 points at each end):
    ½ · width · √((I_low + I_high)/3).
    """
    from .backgrounds import background as bg

    notes = []
    if regions is None:
        names = [r.name for r in acq.regions if core_level(r.name)]
        skipped = [r.name for r in acq.regions if not core_level(r.name)]
        if skipped:
            notes.append(f"not core levels, not quantified: {', '.join(skipped)}")
        if not names:
            raise AnalysisError(f"no region is named as a core level ('Ni 2p'); regions are "
                                f"{[r.name for r in acq.regions]}; choose with --regions")
    else:
        names = regions
    areas, pos = {}, {}
    for n in names:
        r = find_region(acq, n)
        order = np.argsort(r.binding_energy_eV)
        e, y = r.binding_energy_eV[order], r.counts[order]
        scale, note = acquisition_scale(r, normalise, transmission)
        if note:
            notes.append(note)
        scale = scale[order] if isinstance(scale, np.ndarray) else scale
        raw = y
        y = y / scale
        net = y - bg(background, e, y)
        step = float(np.median(np.diff(e)))
        # Poisson variance of the raw counts, carried through the scaling
        poisson = np.trapezoid(np.clip(raw, 0, None) / np.square(scale) if isinstance(scale, np.ndarray)
                               else np.clip(raw, 0, None) / scale**2, e) * step
        # the background's end levels are means of 3 noisy points each: their error moves the
        # whole background, by about half the region width times the end-level error
        n = max(1, min(3, e.size // 4 or 1))
        sc = np.broadcast_to(scale, y.shape)
        ends = ((np.clip(raw[:n], 0, None) / sc[:n] ** 2).mean() + (np.clip(raw[-n:], 0, None) / sc[-n:] ** 2).mean()) / n
        level = 0.5 * (e[-1] - e[0]) * np.sqrt(ends) if background != "none" else 0.0
        areas[r.name] = (float(np.trapezoid(net, e)), float(np.sqrt(poisson + level**2)))
        pos[r.name] = float(e[int(np.argmax(net))])
    return areas, pos, notes


def quantify_acquisition(acq: XPSAcquisition, regions: list[str] | None = None,
                         rsfs: Mapping[str, float] | None = None, background: str = "shirley",
                         correction: str = "none", normalise: bool = True,
                         transmission: bool = True, mfp_exponent: float = MFP_EXPONENT) -> Quantification:
    """Atomic % of an acquisition's core-level regions from their areas (the CLI's ``xps quantify``).

    Every region quantified needs an RSF: one without is an error that names the element
    (never silently dropped).
    """
    areas, pos, notes = region_areas(acq, regions, background, normalise, transmission)
    if correction == "transmission" and any("transmission from the file" in n for n in notes):
        raise AnalysisError("--correction transmission on top of the file's transmission function would correct "
                            "twice: use --correction imfp, or --no-file-transmission")
    missing = []
    for label in areas:
        try:
            rsf_for(label, rsfs)
        except AnalysisError:
            missing.append(label)
    if missing:
        levels = [core_level(m) or m for m in missing]
        named = [f"{lv} (element {lv.split()[0]})" for lv in levels]
        raise AnalysisError(f"no sensitivity factor (RSF) for {', '.join(named)}; give each with --rsf "
                            f"\"{levels[0]}=VALUE\" or --rsf-file LIBRARY (from your instrument's library), or leave "
                            f"{'it' if len(missing) == 1 else 'them'} out with --regions")
    q = quantify(areas, rsfs, correction, pos, acq.excitation_energy_eV, mfp_exponent=mfp_exponent)
    if correction == "imfp":
        notes.append(f"escape-depth correction: divisor RSF*T*MFP with MFP = KE^{mfp_exponent:g}")
    return Quantification(q.rows, q.rsf_source, q.correction, q.verdict, tuple(notes) + q.notes)


def shift_acquisition(acq: XPSAcquisition, shift_eV: float) -> XPSAcquisition:
    """A copy with every region's binding energy + shift_eV (charge correction)."""
    regions = tuple(XPSRegion(r.name, r.binding_energy_eV + shift_eV, r.counts, r.sputter_time_s,
                              {**dict(r.metadata), "charge_shift_eV": shift_eV}) for r in acq.regions)
    return acq.with_meta(regions=regions, notes=tuple(acq.notes) + (f"charge corrected by {shift_eV:+.3f} eV",))


def charge_shift(acq: XPSAcquisition, reference: str = "C 1s", reference_eV: float = C1S_REFERENCE_EV,
                 model: PeakModel | None = None) -> float:
    """Shift [eV] that puts the reference peak (adventitious C 1s) at ``reference_eV``.

    The reference region is fitted with ``model`` (default: one GL(30) line at the
    region's maximum over a Shirley background) and its largest component is used.
    """
    from .fit import fit_region

    region = find_region(acq, reference)
    if model is None:
        e, y = region.binding_energy_eV, region.counts
        model = PeakModel.from_positions(reference, [float(e[int(np.argmax(y))])], names=["ref"])
    try:
        fit = fit_region(region, model)
    except FitError as exc:
        raise AnalysisError(f"charge reference {reference}: {exc}") from None
    main = max(fit.components, key=lambda c: c.area)
    return reference_eV - main.position_eV


def find_region(acq: XPSAcquisition, name: str) -> XPSRegion:
    """The region called ``name`` (spaces and case ignored)."""
    key = name.replace(" ", "").lower()
    for r in acq.regions:
        if r.name.replace(" ", "").lower() == key:
            return r
    raise AnalysisError(f"no region {name!r}; regions are {[r.name for r in acq.regions]}")
