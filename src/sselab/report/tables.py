"""Tables of a study report (pandas DataFrames) from stored analyses only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..simulate.paper import PAPER


def _by(rows: Sequence[dict[str, Any]], method: str) -> dict[str, dict[str, Any]]:
    return {r["sample"]: r["result"] for r in rows if r["method"] == method and r["status"] == "ok" and r["result"]}


def transport(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """σ_ion (highest T), Ea, σ_el, t_ion (DC and from conductivities) per sample."""
    dec, el, con = _by(rows, "deconvolution"), _by(rows, "dc_electronic"), _by(rows, "consistency")
    out = []
    for s in dict.fromkeys([*dec, *el, *con]):
        d, e, c = dec.get(s, {}), el.get(s, {}), con.get(s, {})
        T = d.get("sigma_ion_temperature_K")
        out.append({
            "sample": s, "T_sigma_ion_C": None if T is None else round(T - 273.15, 2),
            "sigma_ion_S_per_cm": d.get("sigma_ion_S_per_cm"), "sigma_ion_stderr_S_per_cm": d.get("sigma_ion_stderr_S_per_cm"),
            "Ea_eV": d.get("Ea_eV"), "Ea_stderr_eV": d.get("Ea_stderr_eV"),
            "sigma_el_S_per_cm": e.get("sigma_el_S_per_cm"), "t_ion_dc": c.get("t_ion_dc"),
            "t_ion_from_conductivities": c.get("t_ion_from_conductivities"), "consistent": c.get("consistent"),
        })
    return pd.DataFrame(out)


def sigma_series(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """σ_ion at every temperature (eBE deconvolution) per sample."""
    out = []
    for s, d in _by(rows, "deconvolution").items():
        for r in d.get("table", []):
            out.append({"sample": s, "T_C": r["temperature_C"], "R_stack_ohm": r["R_stack_ohm"],
                        "R_eBE_total_ohm": r["R_eBE_total_ohm"], "R_SE_ion_ohm": r["R_SE_ion_ohm"],
                        "sigma_ion_S_per_cm": r["sigma_ion_S_per_cm"], "sigma_ion_stderr_S_per_cm": r["sigma_ion_stderr_S_per_cm"]})
    return pd.DataFrame(out)


def eis_validity(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The linear KK test and Z-HIT of every fitted spectrum (``validity`` of eis_fit results)."""
    out = []
    for r in rows:
        v = (r.get("result") or {}).get("validity") if r["method"] == "eis_fit" and r["status"] == "ok" else None
        if not v or "kk_passed" not in v:
            continue
        m = r["measurements"][0] if r.get("measurements") else {}
        T = (r.get("result") or {}).get("temperature_K")
        out.append({"sample": r["sample"], "cell": m.get("cell_stack"), "T_C": None if T is None else round(T - 273.15, 2),
                    "file": str(m.get("path", "")).rsplit("/", 1)[-1],
                    "kk_max_residual_percent": v["kk_max_residual_percent"], "kk_passed": v["kk_passed"],
                    "zhit_max_residual_percent": v["zhit_max_residual_percent"], "zhit_passed": v["zhit_passed"]})
    return pd.DataFrame(out)


def _main_phase(res: dict[str, Any]) -> dict[str, Any]:
    phases = res.get("phases") or []
    name = res.get("main_phase")
    return next((p for p in phases if p.get("name") == name), phases[0] if phases else {})


def _density_stderr(p: dict[str, Any]) -> float | None:
    """Standard error of the X-ray density [g/cm³]: the refinement's own ``density_stderr_g_cm3``
    (from the cell parameters' covariance, any crystal system); for results stored before it
    existed, a cubic phase's from its a (ρ ∝ a⁻³, so σρ = 3ρ·σa/a), else None."""
    if "density_stderr_g_cm3" in p:
        return p["density_stderr_g_cm3"]
    a, sa, rho = p.get("a"), p.get("a_stderr"), p.get("density_g_cm3")
    angles = [p.get(k) for k in ("alpha", "beta", "gamma") if p.get(k) is not None]
    if None in (a, sa, rho) or not (a == p.get("b") == p.get("c")) or not a or any(abs(x - 90.0) > 1e-9 for x in angles):
        return None  # not cubic (a = b = c with angles ≠ 90° is rhombohedral)
    return 3.0 * rho * sa / a


def structure(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Table 2-style structure table from ``xrd_refine`` results (empty without XRD).

    One row per pattern: the main phase's a [Å], X-ray density, cell volume, crystallite size
    and microstrain (Rietveld; Williamson–Hall beside them when it ran), the other phases'
    weight fractions, and the agreement factors (%).
    """
    out = []
    for r in rows:
        if r["method"] == "xrd_refine" and r["status"] == "ok" and r["result"]:
            res = r["result"]
            p = _main_phase(res)
            wh = res.get("williamson_hall") or {}
            others = [f"{q['name']} {100 * q['weight_fraction']:.1f} wt%" for q in res.get("phases", [])
                      if q is not p and q.get("weight_fraction") is not None]
            out.append({"sample": r["sample"], "phase": p.get("name"), "a_Angstrom": p.get("a"),
                        "a_stderr_Angstrom": p.get("a_stderr"), "density_g_per_cm3": p.get("density_g_cm3"),
                        "density_stderr_g_per_cm3": _density_stderr(p),
                        "volume_Angstrom3": p.get("volume_A3"), "weight_fraction": p.get("weight_fraction"),
                        "D_nm": p.get("crystallite_size_nm"), "D_stderr_nm": p.get("crystallite_size_stderr_nm"),
                        "strain": p.get("microstrain"), "strain_stderr": p.get("microstrain_stderr"),
                        "D_WH_nm": wh.get("crystallite_size_nm"), "D_WH_stderr_nm": wh.get("crystallite_size_stderr_nm"),
                        "strain_WH": wh.get("microstrain"), "strain_WH_stderr": wh.get("microstrain_stderr"),
                        "other_phases": "; ".join(others), "Rp": res.get("Rp"), "Rwp": res.get("Rwp"),
                        "Rexp": res.get("Rexp"), "chi2": res.get("chi2")})
    return pd.DataFrame(out)


def atoms(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Table 1-style atomic parameters from ``xrd_refine`` results refined with ``refine_atoms``
    (empty otherwise): one row per (pattern, site) of the main phase: x, y, z, B [Å²] and
    occupancy (factor and FullProf's m/M convention) with esds, and the pattern's R factors (%)."""
    out = []
    for r in rows:
        if r["method"] == "xrd_refine" and r["status"] == "ok" and r["result"] and r["result"].get("sites"):
            res = r["result"]
            for site in res["sites"]:
                out.append({"sample": r["sample"], "phase": res.get("main_phase"), **site,
                            "Rp": res.get("Rp"), "Rwp": res.get("Rwp"), "Rexp": res.get("Rexp"), "chi2": res.get("chi2")})
    return pd.DataFrame(out)


def paper_vs_analysis(rows: Sequence[dict[str, Any]], truth: dict[str, Any] | None = None) -> pd.DataFrame:
    """The paper's numbers beside this analysis's (and the simulation's truth when given)."""
    t = transport(rows)
    truth = truth or {}
    out = []

    def add(q: str, sample: str, paper: Any, col: str, tkey: Any, unit: str) -> None:
        found = t.loc[t["sample"] == sample, col] if len(t) else pd.Series(dtype=float)
        rec = None if found.empty else found.iloc[0]
        tv = truth.get(sample, {})
        for k in tkey if isinstance(tkey, tuple) else (tkey,):
            tv = tv.get(k) if isinstance(tv, dict) else None
        out.append({"quantity": q, "sample": sample, "this_analysis": rec, "truth": tv, "paper": paper, "unit": unit})

    for s in ("as-BM", "600C-12h"):
        add("σ_ion at 100 °C (eBE)", s, PAPER["sigma_ion_100C_S_per_cm"].get(s), "sigma_ion_S_per_cm", ("sigma_ion_S_per_cm", "100"), "S/cm")
        add("Ea (σ convention)", s, PAPER["Ea_ion_eV"].get(s), "Ea_eV", "Ea_ion_eV", "eV")
        add("σ_el at 100 °C (DC)", s, PAPER["sigma_el_100C_S_per_cm_cold"].get(s), "sigma_el_S_per_cm", "sigma_el_100C_S_per_cm", "S/cm")
        add("t_ion (DC, 0.5 V)", s, PAPER["t_ion"].get(s), "t_ion_dc", "t_ion_dc", "")
        add("t_ion = σ_ion/(σ_ion+σ_el)", s, None, "t_ion_from_conductivities", "t_ion_from_conductivities_100C", "")
    out += _structure_rows(structure(rows), truth)
    out += _site_rows(atoms(rows), truth)
    return pd.DataFrame(out)


def _site_rows(at: pd.DataFrame, truth: dict[str, Any]) -> list[dict[str, Any]]:
    """B and occupancy of as-BM's main-phase sites (Table 1): refined vs truth vs the paper
    (occupancy as FullProf's m/48, the paper's convention)."""
    from ..simulate.structure import TABLE1_SITES

    sample = "as-BM"
    found = at[at["sample"] == sample] if len(at) else at
    if found.empty:
        return []
    values = ((truth.get(sample) or {}).get("xrd") or {}).get("site_values") or {}
    paper_occ = {"Mg1": 0.063, "As1": 0.023, "N1": 0.021}  # Table 1, FullProf m/48
    out = []
    for _, r in found.iterrows():
        key = f"{r['phase']}.B_{r['site']}"
        out.append({"quantity": f"B {r['site']} (Rietveld)", "sample": sample, "this_analysis": r["B_A2"],
                    "stderr": r.get("B_stderr_A2"), "truth": values.get(key), "paper": TABLE1_SITES.get(key), "unit": "Å²"})
        occ_se = r.get("occupancy_stderr")
        occ_true = values.get(f"{r['phase']}.occ_{r['site']}", 1.0 if values else None)
        out.append({"quantity": f"occupancy {r['site']} (m/48)", "sample": sample, "this_analysis": r["occupancy_fullprof"],
                    "stderr": None if occ_se is None or occ_se != occ_se else occ_se * r["multiplicity"] / 48,
                    "truth": None if occ_true is None else occ_true * r["multiplicity"] / 48,
                    "paper": paper_occ.get(r["site"]), "unit": ""})
    return out


def _structure_rows(st: pd.DataFrame, truth: dict[str, Any]) -> list[dict[str, Any]]:
    """a, ρ, D, ε of as-BM's main phase: Rietveld vs the simulation's truth vs Table 2."""
    sample = "as-BM"
    paper = PAPER["xrd"][sample]
    found = st[st["sample"] == sample] if len(st) else st
    rec = None if found.empty else found.iloc[0]
    phase = None if rec is None else rec["phase"]
    tx = (truth.get(sample) or {}).get("xrd") or {}
    tp = (tx.get("phases") or {}).get(phase or tx.get("main_phase"), {})
    out = []
    for q, col, tkey, pkey, unit in (("a (Rietveld)", "a_Angstrom", "a_A", "a_A", "Å"),
                                     ("ρ (X-ray density)", "density_g_per_cm3", "density_g_cm3", "density_g_cm3", "g/cm³"),
                                     ("D (Rietveld)", "D_nm", "D_nm", "D_nm", "nm"),
                                     ("ε (Rietveld)", "strain", "strain", "strain", "")):
        se_col = HEADERS.get(col, (None, None))[1]
        out.append({"quantity": q, "sample": sample, "this_analysis": None if rec is None else rec[col],
                    "stderr": None if rec is None or se_col is None else rec.get(se_col),
                    "truth": tp.get(tkey), "paper": paper[pkey], "unit": unit})
    return out


#: Column → (header with unit, stderr column shown with it).  Anything not listed keeps its name.
HEADERS: dict[str, tuple[str, str | None]] = {
    "sample": ("Sample", None),
    "T_sigma_ion_C": ("T (σ_ion) / °C", None),
    "sigma_ion_S_per_cm": ("σ_ion / S cm⁻¹", "sigma_ion_stderr_S_per_cm"),
    "Ea_eV": ("Ea / eV", "Ea_stderr_eV"),
    "sigma_el_S_per_cm": ("σ_el / S cm⁻¹", None),
    "t_ion_dc": ("t_ion (DC)", None),
    "t_ion_from_conductivities": ("t_ion (σ_ion, σ_el)", None),
    "consistent": ("Consistent", None),
    "kk_max_residual_percent": ("KK max residual / %", None), "kk_passed": ("KK", None),
    "zhit_max_residual_percent": ("Z-HIT max residual / %", None), "zhit_passed": ("Z-HIT", None),
    "T_C": ("T / °C", None),
    "R_stack_ohm": ("R_stack / Ω", None),
    "R_eBE_total_ohm": ("R_eBE / Ω", None),
    "R_SE_ion_ohm": ("R_SE,ion / Ω", None),
    "phase": ("Main phase", None),
    "a_Angstrom": ("a / Å", "a_stderr_Angstrom"),
    "density_g_per_cm3": ("ρ / g cm⁻³", "density_stderr_g_per_cm3"),
    "volume_Angstrom3": ("V / Å³", None),
    "weight_fraction": ("wt. fraction", None),
    "D_nm": ("D (Rietveld) / nm", "D_stderr_nm"),
    "strain": ("ε (Rietveld)", "strain_stderr"),
    "D_WH_nm": ("D (W–H) / nm", "D_WH_stderr_nm"),
    "strain_WH": ("ε (W–H)", "strain_WH_stderr"),
    "x": ("x", "x_stderr"), "y": ("y", "y_stderr"), "z": ("z", "z_stderr"),
    "other_phases": ("Other phases", None),
    "B_A2": ("B / Å²", "B_stderr_A2"), "occupancy_factor": ("occupancy factor", "occupancy_stderr"),
    "occupancy_fullprof": ("occupancy (m/M)", None), "multiplicity": ("m", None),
    "Rp": ("Rp / %", None), "Rwp": ("Rwp / %", None), "Rexp": ("Rexp / %", None), "chi2": ("χ²", None),
    "quantity": ("Quantity", None), "this_analysis": ("This analysis", None), "truth": ("Truth (simulated)", None),
    "paper": ("Paper", None), "unit": ("Unit", None),
}


def _fmt(v: Any) -> Any:
    import math

    if isinstance(v, bool) or v is None:
        return "" if v is None else ("yes" if v else "NO")
    if isinstance(v, float):
        if not math.isfinite(v):
            return ""
        return f"{v:.4g}"
    return v


#: columns whose value without a standard error is a fixed parameter (a coordinate on a special
#: position, a constrained occupancy), shown plain; elsewhere a missing stderr shows as "± ?"
FIXED_WITHOUT_STDERR = frozenset({"x", "y", "z", "occupancy_factor"})


def humanise(df: pd.DataFrame) -> pd.DataFrame:
    """A table for people: headers with units, each value shown with its uncertainty
    (``5.54(2)e-4``) where a stderr column exists, 4 significant digits elsewhere."""
    from ..numfmt import format_uncertain

    stderr_cols = {se for _, se in HEADERS.values() if se}
    out = {}
    for col in df.columns:
        if col in stderr_cols:
            continue
        header, se = HEADERS.get(col, (col, None))
        if se and se in df.columns:
            plain = col in FIXED_WITHOUT_STDERR  # no stderr there means fixed (by symmetry or constraint)
            out[header] = ["" if v is None or v != v else
                           _fmt(v) if plain and not (isinstance(e, (int, float)) and e == e and e > 0) else
                           format_uncertain(v, e) for v, e in zip(df[col].tolist(), df[se].tolist())]
        else:
            out[header] = [_fmt(v) for v in df[col].tolist()]
    return pd.DataFrame(out)


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula (leading ``= + - @``) prefixed
    with ``'`` (OWASP's advice for CSV injection); numbers untouched."""
    def esc(v: Any) -> Any:
        return "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v

    return df.apply(lambda c: c.map(esc) if (c.dtype == object or pd.api.types.is_string_dtype(c)) else c)
