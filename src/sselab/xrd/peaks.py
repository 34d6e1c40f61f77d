"""Peak centres, areas, widths and mixing of every (phase, reflection, line), with their
analytic derivatives with respect to every model parameter.

For reflection k of phase i and wavelength line l (θ from Bragg's law, u = 1/d²):

* centre  c = 2θ·180/π + zero + displacement·cosθ + transparency·sin2θ − axial·cot2θ
* area    A = S·ratio·m·|F|²(s² = u/4; occ, B)·LP(θ)·P_MD·SR(θ) (March–Dollase texture, surface roughness)
* widths  Γ_G = √(U tan²θ + V tanθ + W),
  Γ_L = X tanθ + Y/cosθ + (180/π)(Kλ/(D cosθ) + 4ε tanθ),
  FWHM and η from the Thompson–Cox–Hastings formulas (:func:`profiles.tch`).

Lattice parameters act only through u = hᵀG*h; ∂G*/∂p is taken by complex step on the
3×3 reciprocal metric (exact to rounding), everything else is differentiated by hand.
The derivatives come back as ``D`` (4, n_peaks, n_params): rows centre, area, FWHM, η.

Examples
--------
>>> import numpy as np
>>> from sselab.xrd.library import mg3asn
>>> from sselab.xrd.model import PowderModel
>>> m = PowderModel([mg3asn()], np.linspace(20, 80, 301))
>>> pk, D = peak_table(m, m.parameters().value_array, derivatives=True)
>>> float(D[0, 0, m.index("zero_deg")])  # ∂centre/∂zero
1.0
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .roughness import surface_roughness
from .structures import tie_lattice

if TYPE_CHECKING:  # pragma: no cover
    from .model import Peaks, PowderModel

_DEG = 180.0 / math.pi
_H_COMPLEX = 1e-30
#: TCH total-width polynomial coefficients, g⁵ … l⁵ (Thompson, Cox & Hastings 1987)
_TCH = (1.0, 2.69269, 2.42843, 4.47163, 0.07842, 1.0)
#: TCH mixing polynomial η(q), q = Γ_L/Γ
_ETA = (1.36603, -0.47719, 0.11116)


def tch_derivatives(g: np.ndarray, l: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """TCH total FWHM and η with ∂/∂Γ_G and ∂/∂Γ_L: (fwhm, η, dF/dg, dF/dl, dη/dg, dη/dl)."""
    c = _TCH
    P = sum(c[i] * g ** (5 - i) * l**i for i in range(6))
    dPg = sum(c[i] * (5 - i) * g ** (4 - i) * l**i for i in range(5))
    dPl = sum(c[i] * i * g ** (5 - i) * l ** (i - 1) for i in range(1, 6))
    total = P**0.2
    k = 0.2 * P ** (-0.8)
    dFg, dFl = k * dPg, k * dPl
    q = l / total
    eta_raw = _ETA[0] * q + _ETA[1] * q**2 + _ETA[2] * q**3
    eta = np.clip(eta_raw, 0.0, 1.0)
    deq = np.where((eta_raw > 0.0) & (eta_raw < 1.0), _ETA[0] + 2 * _ETA[1] * q + 3 * _ETA[2] * q**2, 0.0)
    dqg = -l / total**2 * dFg
    dql = 1.0 / total - l / total**2 * dFl
    return total, eta, dFg, dFl, deq * dqg, deq * dql


def _lattice_gradient(refl, lp: dict[str, float], system: str, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """∂(1/d²)/∂p of every reflection for the free lattice parameters ``keys``."""
    out = {}
    for k in keys:
        lpc: dict[str, complex] = {kk: complex(vv) for kk, vv in lp.items()}
        lpc[k] += 1j * _H_COMPLEX
        t = tie_lattice(system, lpc)  # type: ignore[arg-type]
        a, b, c = t["a"], t["b"], t["c"]
        ca, cb, cg = (np.cos(t[x] * (math.pi / 180.0)) for x in ("alpha", "beta", "gamma"))
        G = np.array([[a * a, a * b * cg, a * c * cb], [a * b * cg, b * b, b * c * ca], [a * c * cb, b * c * ca, c * c]])
        dG = np.linalg.inv(G).imag / _H_COMPLEX
        out[k] = np.einsum("ki,ij,kj->k", refl.hkl, dG, refl.hkl)
    return out


def peak_table(model: "PowderModel", values: np.ndarray, derivatives: bool = False) -> tuple["Peaks", np.ndarray | None]:
    """Every peak at ``values``; with ``derivatives`` also D (4, n_peaks, n_params)."""
    from .model import Peaks

    v = np.asarray(values, float)
    g = model._index
    inst = model.instrument
    cos2m = math.cos(math.radians(inst.monochromator_2theta_deg)) ** 2
    n_par = v.size
    zero, disp = v[g["zero_deg"]], v[g["displacement_deg"]]
    transp, axial = v[g["transparency_deg"]], v[g["axial_deg"]]
    U, V, W, X, Y = (v[g[k]] for k in "UVWXY")
    rp, rq = v[g["rough_p"]], v[g["rough_q"]]
    cols: list[tuple[np.ndarray, ...]] = []
    blocks: list[np.ndarray] = []
    for ip, (phase, refl) in enumerate(zip(model.phases, model.reflections)):
        n = phase.name
        lp = phase.lattice_parameters
        for k in phase.free_lattice:
            lp[k] = v[g[f"{n}.{k}"]]
        u = refl.inv_d2(lp, phase.crystal_system)
        d = 1.0 / np.sqrt(u)
        i_occ = [g[f"{n}.occ_{lab}"] for lab in refl.labels]
        i_b = [g[f"{n}.B_{lab}"] for lab in refl.labels]
        s2 = 0.25 * u
        fr = refl.freedom
        i_xyz = [g[f"{n}.{c}"] for c in (fr.names if fr else ())]
        geom, dgeom = refl.geometry_at(v[i_xyz], derivatives) if i_xyz else (None, None)
        if derivatives:
            f2, df2_ds2, df2_dB, df2_docc, *df2_dx = refl.f2_derivatives(s2, v[i_occ], v[i_b], geom, dgeom)
            du = _lattice_gradient(refl, lp, phase.crystal_system, phase.free_lattice)
        else:
            f2 = refl.f2(0.5 / d, v[i_occ], v[i_b], geom)
        if ip in model.lebail:  # Le Bail: free intensities per reflection instead of the structure's |F|²
            f2 = model.lebail[ip]
            if derivatives:
                df2_ds2, df2_dB, df2_docc = np.zeros_like(f2), np.zeros_like(df2_dB), np.zeros_like(df2_docc)
                df2_dx = [np.zeros_like(x) for x in df2_dx]
        i_scale, i_D, i_eps, i_r = g[f"{n}.scale"], g[f"{n}.D_nm"], g[f"{n}.strain"], g[f"{n}.po_r"]
        direction = model.preferred_orientation.get(n)
        if direction is not None:
            texture, dtexture = refl.march_dollase(lp, phase.crystal_system, direction, v[i_r])
        else:
            texture, dtexture = 1.0, np.zeros(d.size)
        scale, D_nm, eps = v[i_scale], v[i_D], v[i_eps]
        D_A = 10.0 * D_nm
        for il, (lam, ratio) in enumerate(zip(inst.wavelengths_A, inst.ratios)):
            if il == 1:  # Kα2/Kα1 intensity ratio: a model parameter (refinable, start = the instrument's)
                ratio = v[g["ka2_ratio"]]
            valid = lam / (2.0 * d) < 0.999999
            sin_t = np.clip(lam / (2.0 * d), 0.0, 0.999999)
            th = np.arcsin(sin_t)
            cos_t, tan_t = np.cos(th), np.tan(th)
            num = 1 + np.cos(2 * th) ** 2 * cos2m
            den = (1 + cos2m) * sin_t**2 * cos_t
            lpf = num / den
            sin2t, cot2t = np.sin(2 * th), 1.0 / np.tan(2 * th)
            centre = 2 * np.degrees(th) + zero + disp * cos_t + transp * sin2t - axial * cot2t
            sr, dsr_dp, dsr_dq, dsr_dth = surface_roughness(rp, rq, sin_t, cos_t)
            base = ratio * refl.multiplicity * lpf * texture * sr
            area = np.where(valid, scale * base * f2, 0.0)
            q = U * tan_t**2 + V * tan_t + W
            gg = np.sqrt(np.maximum(q, 1e-8))
            gl_raw = X * tan_t + Y / cos_t + _DEG * (inst.K * lam / (D_A * cos_t) + 4 * eps * tan_t)
            gl = np.maximum(gl_raw, 0.0)
            if not derivatives:
                from .profiles import tch

                fwhm, eta = tch(gg, gl)
                cols.append((np.full(d.size, ip), centre, area, fwhm, eta))
                continue
            fwhm, eta, dFg, dFl, dEg, dEl = tch_derivatives(gg, gl)
            cols.append((np.full(d.size, ip), centre, area, fwhm, eta))
            Dk = np.zeros((4, d.size, n_par))
            # Gaussian and Lorentzian widths: their derivatives and θ-dependence
            dgg_dq = np.where(q > 1e-8, 0.5 / gg, 0.0)
            lmask = (gl_raw > 0).astype(float)
            sec2 = 1.0 / cos_t**2
            dgg_dth = dgg_dq * (2 * U * tan_t + V) * sec2
            dgl_dth = lmask * (X * sec2 + Y * sin_t * sec2 + _DEG * (inst.K * lam * sin_t * sec2 / D_A + 4 * eps * sec2))
            width_terms = {
                g["U"]: (dgg_dq * tan_t**2, 0.0), g["V"]: (dgg_dq * tan_t, 0.0), g["W"]: (dgg_dq, 0.0),
                g["X"]: (0.0, lmask * tan_t), g["Y"]: (0.0, lmask / cos_t),
                i_D: (0.0, lmask * -_DEG * inst.K * lam * 10.0 / (D_A**2 * cos_t)),
                i_eps: (0.0, lmask * 4 * _DEG * tan_t),
            }
            for j, (dg_, dl_) in width_terms.items():
                Dk[2, :, j] = dFg * dg_ + dFl * dl_
                Dk[3, :, j] = dEg * dg_ + dEl * dl_
            Dk[0, :, g["zero_deg"]] = 1.0
            Dk[0, :, g["displacement_deg"]] = cos_t
            Dk[0, :, g["transparency_deg"]] = sin2t
            Dk[0, :, g["axial_deg"]] = -cot2t
            Dk[1, :, i_scale] = base * f2
            if il == 1:
                Dk[1, :, g["ka2_ratio"]] = np.where(valid, scale * refl.multiplicity * lpf * texture * sr * f2, 0.0)
            Dk[1, :, i_r] = np.where(valid, scale * ratio * refl.multiplicity * lpf * sr * f2 * dtexture, 0.0)
            Dk[1, :, g["rough_p"]] = scale * ratio * refl.multiplicity * lpf * texture * f2 * dsr_dp
            Dk[1, :, g["rough_q"]] = scale * ratio * refl.multiplicity * lpf * texture * f2 * dsr_dq
            area_rows = Dk[1]
            area_rows[:, i_b] = (scale * base)[:, None] * df2_dB
            area_rows[:, i_occ] = (scale * base)[:, None] * df2_docc
            if i_xyz:
                area_rows[:, i_xyz] = (scale * base)[:, None] * df2_dx[0]
            # everything that depends on θ (and |F|² on s²) through u = 1/d²
            dth_du = lam / (4.0 * np.sqrt(u) * cos_t)
            dnum = -2.0 * cos2m * np.sin(4 * th)
            dden = (1 + cos2m) * (2 * sin_t * cos_t**2 - sin_t**3)
            dlpf_dth = (dnum * den - num * dden) / den**2
            per_u = np.stack([
                (2 * _DEG - disp * sin_t + 2 * transp * np.cos(2 * th) + 2 * axial / np.sin(2 * th) ** 2) * dth_du,
                scale * ratio * refl.multiplicity * texture * (sr * lpf * df2_ds2 * 0.25
                                                               + f2 * (sr * dlpf_dth + lpf * dsr_dth) * dth_du),
                (dFg * dgg_dth + dFl * dgl_dth) * dth_du,
                (dEg * dgg_dth + dEl * dgl_dth) * dth_du,
            ])
            for k in phase.free_lattice:
                Dk[:, :, g[f"{n}.{k}"]] = per_u * du[k][None, :]
                if direction is not None and phase.crystal_system != "cubic":  # texture angles follow the cell
                    h = 1e-6 * max(abs(lp[k]), 1.0)
                    up, dn = dict(lp), dict(lp)
                    up[k] += h
                    dn[k] -= h
                    dP = (refl.march_dollase(up, phase.crystal_system, direction, v[i_r])[0]
                          - refl.march_dollase(dn, phase.crystal_system, direction, v[i_r])[0]) / (2 * h)
                    Dk[1, :, g[f"{n}.{k}"]] += scale * ratio * refl.multiplicity * lpf * sr * f2 * dP
            Dk[:, ~valid, :] = 0.0
            blocks.append(Dk)
    c = [np.concatenate(x) for x in zip(*cols)]
    pk = Peaks(c[0].astype(int), c[1], c[2], c[3], c[4])
    return pk, (np.concatenate(blocks, axis=1) if derivatives else None)
