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


def structure(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Table 2-style structure table from XRD results (empty without XRD)."""
    out = []
    for r in rows:
        if r["method"] in ("xrd_refine",) and r["status"] == "ok" and r["result"]:
            res = r["result"]
            out.append({"sample": r["sample"], **{k: res.get(k) for k in
                        ("a_Angstrom", "density_g_per_cm3", "volume_Angstrom3", "D_nm", "strain", "Rp", "Rwp", "Rexp", "chi2")}})
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
    return pd.DataFrame(out)
