"""EDS background, line fitting and peak identification.

- Background: SNIP (statistics-sensitive non-linear iterative peak clipping, Ryan et al.
  1988, Nucl. Instrum. Methods B 34, 396) on the log-log-sqrt transformed counts, with a
  clipping window growing to ``width`` × the local FWHM.
- Line fit: every element family (e.g. ``Mg_K``, ``As_L``) is one column: the sum of its
  lines as Gaussians at the tabulated energies, weighted by their relative weights, with the
  detector FWHM from the Fano law (:func:`~sselab.eds.lines.fwhm_keV`).  The net spectrum is
  fitted by non-negative weighted least squares (weights 1/√counts), so overlapping lines
  (Mg Kα 1.254 / As Lα 1.282 keV) are shared out by their whole families' shapes.  Below
  1.35 keV, broad non-negative Gaussians (σ 120 eV) are fitted too: SNIP under-cuts the
  continuum's maximum at the detector window's roll-off, where N, O and C Kα sit.  The
  amplitude is the main line's (Kα, Lα, Mα) net counts; its standard error from the
  covariance of the fit (counting statistics).
- Identification: peaks of the net spectrum with significance N/√(N+2B) ≥ 20 over ±½ FWHM (the highest point within ±1 FWHM),
  assigned strongest first to the closest element main line within ½ FWHM (see
  :func:`identify`); an element is rejected when a higher-energy family it must show at this
  beam energy (overvoltage ≥ 2) has no peak.  Peaks left over are listed as unassigned
  (escape or sum peaks, or an element not in the table).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..fitting.threads import single_threaded_blas
from . import lines as L


def snip(counts: np.ndarray, energy_keV: np.ndarray, *, width: float = 1.5, fwhm_mn_eV: float = 130.0,
         iterations: int = 24) -> np.ndarray:
    """SNIP background of a spectrum (or of every row of a 2-D array of spectra)."""
    from scipy.ndimage import gaussian_filter1d

    y = np.asarray(counts, float)
    dE = float(np.median(np.diff(energy_keV)))
    # smoothed first (σ = FWHM(1 keV)/2.355), else SNIP follows the noise's lower envelope
    y = gaussian_filter1d(y, max(0.5, float(L.fwhm_keV(1.0, fwhm_mn_eV)) / 2.3548 / dE), axis=-1)
    v = np.log(np.log(np.sqrt(np.clip(y, 0, None) + 1) + 1) + 1)
    wmax = np.maximum(1, np.round(width * L.fwhm_keV(np.clip(energy_keV, 0.1, None), fwhm_mn_eV) / dE)).astype(int)
    n = y.shape[-1]
    idx = np.arange(n)
    for k in np.unique(np.linspace(1, wmax.max(), iterations).astype(int)):
        w = np.minimum(k, wmax)
        lo, hi = np.clip(idx - w, 0, n - 1), np.clip(idx + w, 0, n - 1)
        mean = 0.5 * (v[..., lo] + v[..., hi])
        v = np.minimum(v, mean)
    return (np.exp(np.exp(v) - 1) - 1) ** 2 - 1


def family_shape(symbol: str, fam: str, energy_keV: np.ndarray, fwhm_mn_eV: float = 130.0,
                 shift_keV: float = 0.0) -> np.ndarray:
    """Counts per channel of the family's lines for a main-line area of 1 count."""
    dE = float(np.median(np.diff(energy_keV)))
    out = np.zeros_like(energy_keV, dtype=float)
    for ln in L.family(symbol, fam):
        s = float(L.fwhm_keV(ln.energy_keV, fwhm_mn_eV)) / 2.3548
        e = ln.energy_keV + shift_keV
        out += ln.weight * dE / (s * np.sqrt(2 * np.pi)) * np.exp(-0.5 * ((energy_keV - e) / s) ** 2)
    return out


def families_for(elements, beam_keV: float | None, e_max: float) -> list[tuple[str, str]]:
    """The families to fit for ``elements``: every family with a main line inside the spectrum
    and (when the beam energy is known) excited (overvoltage > 1)."""
    out = []
    for el in elements:
        for fam in ("K", "L", "M"):
            lines = L.family(el, fam)
            main = [ln for ln in lines if ln.name == L.MAIN[fam]]
            if not main or not 0.1 < main[0].energy_keV < e_max:
                continue
            if beam_keV is not None and beam_keV / L.edge_keV(el, fam) <= 1.0:
                continue
            out.append((el, fam))
    return out


@dataclass(frozen=True)
class LineFit:
    """Net main-line intensities of a fit, by ``"El_F"`` (e.g. ``"Mg_K"``)."""

    intensities: dict[str, float]
    stderr: dict[str, float]
    background: np.ndarray
    model: np.ndarray
    reduced_chi2: float
    shifts_eV: dict[str, float]
    misfit_fraction: float = 0.0  # Σ|data − model| / Σ(model − background) over the lines' cores


LOW_BG_SIGMA_KEV = 0.12
LOW_BG_CENTRES_KEV = tuple(np.round(np.arange(0.15, 1.36, 0.15), 2))


@single_threaded_blas()
def fit_lines(energy_keV: np.ndarray, counts: np.ndarray, families, *, fwhm_mn_eV: float = 130.0,
              background: np.ndarray | None = None, e_min: float = 0.1, max_shift_eV: float = 40.0,
              low_energy_background: bool = True) -> LineFit:
    """Non-negative weighted least squares of the family shapes to counts − background.

    Each family may move by up to ``max_shift_eV`` (calibration drift, incomplete charge
    collection at low energy): one pass of a 10-eV grid search per family, strongest first.
    """
    from scipy.optimize import nnls

    e, y = np.asarray(energy_keV, float), np.asarray(counts, float)
    bg = snip(y, e, fwhm_mn_eV=fwhm_mn_eV) if background is None else background
    families = list(families)
    w = 1 / np.sqrt(np.clip(y, 1, None))
    net = y - bg
    shifts = np.zeros(len(families))

    cache: dict[tuple[int, float], np.ndarray] = {}

    def column(k: int, d: float) -> np.ndarray:
        if (k, d) not in cache:
            el, f = families[k]
            cache[(k, d)] = family_shape(el, f, e, fwhm_mn_eV, d * 1e-3)
        return cache[(k, d)]

    # SNIP under-cuts the continuum's maximum at the window roll-off (0.2–1 keV): broad
    # non-negative Gaussians (σ = 120 eV, every 150 eV up to 1.35 keV) take up the rest there
    extra = [np.exp(-0.5 * ((e - c) / LOW_BG_SIGMA_KEV) ** 2) * max(float(np.max(net)), 1.0) * 1e-3
             for c in LOW_BG_CENTRES_KEV if e.min() < c < e.max()] if low_energy_background else []
    n_fam = len(families)

    def design(sh):
        cols = [column(k, float(d)) for k, d in enumerate(sh)] + extra
        return np.column_stack(cols) if cols else np.zeros((e.size, 0))

    def solve(A):
        use = (e > e_min) & (A.sum(axis=1) > 1e-6 * max(A.max(), 1e-300)) if A.shape[1] else e > e_min
        Aw, bw = A[use] * w[use, None], net[use] * w[use]
        amp = nnls(Aw, bw)[0] if A.shape[1] else np.zeros(0)
        chi2 = float(np.sum((bw - Aw @ amp) ** 2))
        return amp, use, Aw, chi2

    A = design(shifts)
    amp, use, Aw, chi2 = solve(A)
    if max_shift_eV > 0 and families:
        grid = np.arange(-max_shift_eV, max_shift_eV + 1e-9, 10.0)
        for k in np.argsort(-amp[:n_fam]):
            if amp[k] <= 0:
                continue
            best = (chi2, shifts[k])
            for d in grid:
                trial = shifts.copy()
                trial[k] = d
                c = solve(design(trial))[3]
                if c < best[0]:
                    best = (c, d)
            shifts[k] = best[1]
            chi2 = best[0]
        A = design(shifts)
        amp, use, Aw, chi2 = solve(A)
    se = np.sqrt(np.clip(np.diag(np.linalg.pinv(Aw.T @ Aw)), 0, None)) if A.shape[1] else np.zeros(0)
    model = bg + A @ amp
    bg = bg + A[:, n_fam:] @ amp[n_fam:]
    amp, se = amp[:n_fam], se[:n_fam]
    # χ² over the lines' cores (within 1 FWHM of a fitted line), where the intensities come from
    core = np.zeros(e.size, bool)
    for (el, f), a in zip(families, amp):
        if a > 0:
            for ln in L.family(el, f):
                if ln.weight >= 0.05:
                    core |= np.abs(e - ln.energy_keV) <= float(L.fwhm_keV(ln.energy_keV, fwhm_mn_eV))
    core &= e > e_min
    if core.sum() > A.shape[1]:
        use = core
        chi2 = float(np.sum(((y - model)[use] * w[use]) ** 2))
    dof = max(int(use.sum()) - A.shape[1], 1)
    lines_sum = float((model - bg)[core].sum()) if core.any() else 0.0
    misfit = float(np.abs(y - model)[core].sum() / lines_sum) if lines_sum > 0 else 0.0
    keys = [f"{el}_{f}" for el, f in families]
    return LineFit(dict(zip(keys, amp.tolist())), dict(zip(keys, se.tolist())), bg, model, chi2 / dof,
                   dict(zip(keys, shifts.tolist())), misfit)


def find_peaks(energy_keV, counts, *, fwhm_mn_eV: float = 130.0, min_significance: float = 5.0, e_min: float = 0.15):
    """Peaks of the background-subtracted spectrum: ``[(energy_keV, net_counts, significance)]``."""
    from scipy.ndimage import gaussian_filter1d
    from scipy.signal import find_peaks as sfind

    e, y = np.asarray(energy_keV, float), np.asarray(counts, float)
    bg = snip(y, e, fwhm_mn_eV=fwhm_mn_eV)
    dE = float(np.median(np.diff(e)))
    sm = gaussian_filter1d(y - bg, max(0.5, 0.35 * float(L.fwhm_keV(2.0, fwhm_mn_eV)) / 2.3548 / dE))
    idx, _ = sfind(sm, distance=max(1, int(0.5 * float(L.fwhm_keV(1.0, fwhm_mn_eV)) / dE)))
    out = []
    for i in idx:
        if e[i] < e_min:
            continue
        half = max(1, int(round(float(L.fwhm_keV(e[i], fwhm_mn_eV)) / dE)))
        if sm[i] < sm[max(i - half, 0): i + half + 1].max():
            continue  # a ripple on the flank of a larger peak, not a peak
        half = max(1, half // 2)
        sl = slice(max(i - half, 0), i + half + 1)
        net, b = float((y - bg)[sl].sum()), float(bg[sl].clip(0).sum())
        sig = net / np.sqrt(max(net + 2 * b, 1.0))
        if sig >= min_significance:
            out.append((float(e[i]), net, float(sig)))
    return out


def _explains(el: str, e: float, tol_factor: float, fwhm_mn_eV: float, min_weight: float = 0.05) -> bool:
    return any(abs(ln.energy_keV - e) <= tol_factor * float(L.fwhm_keV(ln.energy_keV, fwhm_mn_eV))
               for ln in L.element(el) if ln.weight >= min_weight)


@single_threaded_blas()
def identify(energy_keV, counts, beam_keV: float | None, *, fwhm_mn_eV: float = 130.0, min_significance: float = 20.0,
             candidates=None):
    """Elements whose lines explain the peaks: ``(found, unassigned)``.

    Peaks are taken strongest first.  Candidates for a peak: elements with a main line (Kα, Lα,
    Mα) within ½ FWHM, ranked by distance / tolerance, + 0.5 for an L or M line (K lines first
    among near-equals).  Peaks above 0.8 × the beam energy are not used.  A candidate is dropped when a family with a higher energy is excited
    (overvoltage ≥ 2, inside the spectrum) and shows no peak.  The closest remaining candidate
    wins; every peak within ½ FWHM of any of its lines (weight ≥ 0.05) is then explained.

    ``found``: ``[{"element", "line", "energy_keV", "net_counts", "significance"}]``;
    ``unassigned``: peaks no element explains (escape/sum peaks, or outside the table).
    """
    peaks = find_peaks(energy_keV, counts, fwhm_mn_eV=fwhm_mn_eV, min_significance=min_significance)
    e_max = float(np.max(energy_keV))
    if beam_keV:  # near the Duane–Hunt limit the continuum bends away and lines are barely excited
        peaks = [p for p in peaks if p[0] <= 0.8 * beam_keV]
    pool = list(candidates) if candidates else [el for el, lns in L.table().items() if lns[0].z >= 4]
    peak_e = [p[0] for p in peaks]

    def has_peak(e: float) -> bool:
        tol = 0.5 * float(L.fwhm_keV(e, fwhm_mn_eV))
        return any(abs(pe - e) <= tol for pe in peak_e)

    artifacts = _artifacts(peaks, fwhm_mn_eV)
    found, explained = [], set()
    for k in sorted(range(len(peaks)), key=lambda i: -peaks[i][1]):
        if k in explained or k in artifacts:
            continue
        e0 = peaks[k][0]
        tol = 0.5 * float(L.fwhm_keV(e0, fwhm_mn_eV))
        cands = []
        for el in pool:
            if any(f["element"] == el for f in found):
                continue
            for fam in ("K", "L", "M"):
                main = [ln for ln in L.family(el, fam) if ln.name == L.MAIN[fam]]
                if not main or abs(main[0].energy_keV - e0) > tol:
                    continue
                if beam_keV is not None and beam_keV / L.edge_keV(el, fam) <= 1.0:
                    continue
                ok = True
                for hi in "KLM"[: "KLM".index(fam)]:
                    m = [ln for ln in L.family(el, hi) if ln.name == L.MAIN[hi]]
                    excited = m and m[0].energy_keV < e_max and (beam_keV is None or beam_keV / L.edge_keV(el, hi) >= 2.0)
                    if excited and not has_peak(m[0].energy_keV):
                        ok = False
                if ok:  # K lines first among near-equals: light elements dominate the low-energy end
                    cands.append((abs(main[0].energy_keV - e0) / tol + (0.5 if fam != "K" else 0.0), el, main[0].name))
        if not cands:
            continue
        _, el, line = min(cands)
        found.append({"element": el, "line": line, "energy_keV": e0, "net_counts": peaks[k][1],
                      "significance": peaks[k][2]})
        explained |= {i for i, p in enumerate(peaks) if _explains(el, p[0], 0.5, fwhm_mn_eV)}
    unassigned = [{"energy_keV": p[0], "net_counts": p[1], "significance": p[2], "artifact": artifacts.get(i)}
                  for i, p in enumerate(peaks) if i not in explained]
    return found, unassigned


def _artifacts(peaks, fwhm_mn_eV: float) -> dict[int, str]:
    """Peaks that are a Si escape peak (parent − 1.740 keV) or a pile-up sum peak of the three
    strongest peaks, and weaker than 3 % of their parent(s)."""
    strong = sorted(range(len(peaks)), key=lambda i: -peaks[i][1])[:3]
    out = {}
    for i, (e, n, _) in enumerate(peaks):
        tol = 0.5 * float(L.fwhm_keV(e, fwhm_mn_eV))
        for a in strong:
            ea, na = peaks[a][0], peaks[a][1]
            if abs(ea - 1.740 - e) <= tol and n < 0.03 * na:
                out[i] = f"Si escape of {ea:.2f} keV"
            for b in strong:
                if b >= a and abs(ea + peaks[b][0] - e) <= tol and n < 0.03 * min(na, peaks[b][1]):
                    out[i] = f"sum peak {ea:.2f}+{peaks[b][0]:.2f} keV"
    return out
