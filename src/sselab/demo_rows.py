"""Every number the Mg3AsN paper reports, as one row of the demo's comparison.

:func:`paper_rows` turns the pipeline's stored analyses of the virtual study (and the demo's
existing transport/structure/microscopy rows) into rows
``{"quantity", "sample", "recovered", "stderr", "truth", "paper", "unit", "status", "reasons"}``:
one per number of REFERENCE §4.  A number the virtual study does not simulate yet appears
with ``recovered = None`` and ``status = "not simulated"``; a number whose analysis is missing
from the store with ``status = "failed"``.  :func:`inconsistency_rows` adds the paper's own
internal inconsistencies with their arithmetic (status ``"warning"``, reason
``paper_inconsistent``): ``recovered`` there is the value the paper's *other* numbers imply.

The truth is the paper's number by construction wherever the paper gives one (stated
assumptions are in the study's ``truth.json``).
"""

from __future__ import annotations

import math
from typing import Any, Iterable

from .simulate.paper import PAPER, MaterialModel
from .units import K_B_EV

KEYS = ("quantity", "sample", "recovered", "stderr", "truth", "paper", "unit", "status", "reasons")


def _row(quantity: str, sample: str, recovered: Any = None, stderr: Any = None, truth: Any = None,
         paper: Any = None, unit: str = "", status: str | None = None, reasons: Iterable[str] = ()) -> dict[str, Any]:
    rec = _num(recovered)
    if status is None:
        status = "ok" if rec is not None else "failed"
    return {"quantity": quantity, "sample": sample, "recovered": rec, "stderr": _num(stderr), "truth": _num(truth),
            "paper": _num(paper), "unit": unit, "status": status, "reasons": list(reasons)}


def _num(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if x != x else x


def _not_simulated(quantity: str, sample: str, paper: float, unit: str, what: str) -> dict[str, Any]:
    return _row(quantity, sample, paper=paper, unit=unit, status="not simulated",
                reasons=[f"not simulated by the virtual study yet: {what}"])


def _result(analyses: list[dict[str, Any]], method: str, sample: str | None = None) -> dict[str, Any] | None:
    for a in analyses:
        if a.get("method") == method and (sample is None or a.get("sample") == sample):
            return a.get("result") or {}
    return None


def _status(res: dict[str, Any] | None) -> tuple[str, list[str]]:
    if res is None:
        return "failed", ["the analysis is missing from the results database"]
    return res.get("status", "ok"), [r.get("message", "") for r in res.get("reasons") or []]


def split_sample(row: dict[str, Any]) -> dict[str, Any]:
    """A demo comparison row ("<quantity> — <sample>") in the keys of :data:`KEYS`."""
    q, _, sample = row["quantity"].rpartition(" — ")
    if not q:
        q, sample = row["quantity"], "as-BM"
    status = row.get("status") or ("ok" if _num(row.get("recovered")) is not None else "failed")
    return {"quantity": q, "sample": sample, "recovered": _num(row.get("recovered")), "stderr": _num(row.get("stderr")),
            "truth": _num(row.get("truth")), "paper": _num(row.get("paper")), "unit": row.get("unit", ""),
            "status": status, "reasons": list(row.get("reasons") or [])}


def _stack_rows(analyses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """eBE bulk resistance (100 °C) and the eBE|SE|eBE stack σ = l/(R_stack·A) at 40 and 100 °C."""
    m = MaterialModel()
    out = []
    ebe = [a.get("result") or {} for a in analyses if a.get("method") == "eis_fit" and a.get("sample") == "eBE"]
    at100 = next((r for r in ebe if abs((r.get("temperature_K") or 0) - 373.15) < 1), None)
    cond = (at100 or {}).get("conductivity") or {}
    st, rs = _status(at100 and cond)
    out.append(_row("R_eBE (bulk) at 100 °C", "eBE", cond.get("resistance_ohm"), cond.get("resistance_stderr_ohm"),
                    m.r_ebe_ohm(373.15), PAPER["R_eBE_100C_ohm"], "Ω", st, rs))
    dec = _result(analyses, "deconvolution", "as-BM")
    table = (dec or {}).get("table") or []
    for tc, key in ((40, "40C"), (100, "100C")):
        T = tc + 273.15
        r = next((x for x in table if abs(x.get("temperature_K", 0) - T) < 1), None)
        truth_R = 2 * m.r_ebe_ohm(T) + m.r_ion_ohm(T)
        geo = m.thickness_cm / m.area_cm2 * 1e3  # mS/cm per 1/Ω
        rec = err = None
        if r and r.get("R_stack_ohm"):
            rec = geo / r["R_stack_ohm"]
            err = rec * (r.get("R_stack_stderr_ohm") or 0) / r["R_stack_ohm"]
        st, rs = _status(dec)
        rs = rs + [f"σ_stack = l/(R_stack·A) with the SE pellet's l and A; the paper's {PAPER['stack_sigma_mS_per_cm'][key]}"
                   " mS/cm is not reproduced by its own σ_ion and R_eBE (truth is the model's stack)"]
        out.append(_row(f"eBE|SE|eBE stack σ at {tc} °C", "as-BM", rec, err, geo / truth_R,
                        PAPER["stack_sigma_mS_per_cm"][key], "mS/cm", "warning" if rec is not None else "failed", rs))
    return out


def _ac_dc_rows(analyses: list[dict[str, Any]], truth: dict[str, Any]) -> list[dict[str, Any]]:
    """σ_el from the AC mixed-conductor fit, as the pipeline's AC-vs-DC cross-check compared it."""
    out = []
    for sample in ("as-BM", "600C-12h"):
        rep = _result(analyses, "consistency", sample)
        check = next((c for c in (rep or {}).get("checks") or [] if c.get("name") == "sigma_el"), {})
        fit = next(((a.get("result") or {}) for a in analyses if a.get("method") == "eis_fit" and a.get("sample") == sample
                    and isinstance((a.get("result") or {}).get("mixed"), dict)), {})
        # the row's verdict: the AC fit's and this check's (not the report's other checks, e.g. t_ion)
        st, rs = _status(fit) if fit else ("failed", ["no AC mixed-conductor fit in the results database"])
        if not check:
            st, rs = "failed", rs + ["the pipeline's AC-vs-DC σ_el cross-check is missing"]
        elif not check.get("consistent", False):
            st, rs = ("warning" if st == "ok" else st), [check.get("message", "")] + rs
        out.append(_row("σ_el at 100 °C (AC mixed-conductor fit, cross-check with DC)", sample,
                        check.get("sigma_el_ac_S_per_cm"), fit.get("sigma_el_stderr_S_per_cm"),
                        (truth.get(sample) or {}).get("sigma_el_100C_S_per_cm"),
                        PAPER["sigma_el_100C_S_per_cm_cold"][sample], "S/cm", st, rs))
    return out


def _cycling_cv_rows(analyses: list[dict[str, Any]], truth: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    cyc = _result(analyses, "cycling", "as-BM")
    tc = (truth.get("as-BM") or {}).get("cycling") or {}
    cycles = [c for c in (cyc or {}).get("cycles") or [] if c.get("complete")]
    st, rs = _status(cyc)
    paper = {"plating_first": -0.1, "stripping_first": 0.03, "plating_last": -2.0, "stripping_last": 1.9}
    for which, idx in (("first", 0), ("last", -1)):
        for side, label in (("plating", "deposition"), ("stripping", "dissolution")):
            c = cycles[idx] if cycles else {}
            out.append(_row(f"η {label}, {which} cycle (Mg|eBE|SE|eBE|Mg, ±0.01 mA)", "as-BM",
                            c.get(f"{side}_median_last_10pct_V"), None, tc.get(f"eta_{side}_{which}_V"),
                            paper[f"{side}_{which}"], "V", st, rs))
    out.append(_row("cycles without short circuit (Mg|eBE|SE|eBE|Mg)", "as-BM", (cyc or {}).get("n_cycles"), None,
                    tc.get("n_cycles"), 90, "cycles", st, rs + ["the paper says > 90 cycles"]))
    cv = _result(analyses, "cv", "SE-polymer")
    tcv = truth.get("SE-polymer") or {}
    st, rs = _status(cv)
    scan = ((cv or {}).get("scans") or [{}])[0]
    for key, label, paper_v in (("deposition_peak", "deposition", -1.6), ("dissolution_peak", "dissolution", 1.4)):
        out.append(_row(f"CV {label} peak (Mg|SE-polymer|Mg, 60 °C)", "SE-polymer",
                        (scan.get(key) or {}).get("potential_V"), None, tcv.get(f"cv_{label}_peak_V"), paper_v,
                        "V vs Mg/Mg²⁺", st, rs))
    rate = (cv or {}).get("scan_rate_V_per_s")
    out.append(_row("CV scan rate", "SE-polymer", None if rate is None else rate * 1e3, None, 0.1, 0.1, "mV/s", st, rs))
    return out


#: XPS components of the as-BM surface (REFERENCE §4): region → ((component, paper eV), ...)
XPS_LINES = {"Mg 2p": (("Mg3AsN", 49.3), ("MgO", 50.5)), "As 3d": (("As3-", 39.7), ("As0", 41.4), ("As3+", 43.75)),
             "N 1s": (("N_under", 395.2), ("nitride", 396.4), ("oxynitride", 398.2)), "O 1s": (("O", 531.5),)}


def _xps_rows(analyses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from .xps.simulate import ASSIGNMENTS as COMPONENTS  # the simulation's positions (= the paper's by construction)

    res = _result(analyses, "xps_profile", "as-BM")
    st, rs = _status(res)
    fits = (res or {}).get("fits") or {}
    truth_pos = {region: {c[0]: c[1] for c in comps} for region, comps in COMPONENTS.items()}
    out = []
    for region, lines in XPS_LINES.items():
        fit = (fits.get(region) or [{}])[0]
        comps = {c["name"]: c for c in fit.get("components") or []}
        fst, frs = (fit.get("status", st), [r.get("message", "") for r in fit.get("reasons") or []]) if fit else (st, rs)
        for name, paper in lines:
            c = comps.get(name) or {}
            out.append(_row(f"XPS {region} {name} binding energy (surface)", "as-BM", c.get("position_eV"),
                            c.get("position_stderr_eV"), truth_pos.get(region, {}).get(name), paper, "eV", fst, frs))
    el = (res or {}).get("element_atomic_percent") or {}
    if el.get("Mg 2p") and el.get("As 3d"):
        ratio = el["Mg 2p"][-1] / el["As 3d"][-1]
        out.append(_row("XPS Mg:As after 20 min Ar⁺ sputtering", "as-BM", ratio, None, 3.0, None, "", st,
                        rs + ["the paper gives 3.24:1 for 600C-12h only (not simulated); truth is the bulk 3:1"]))
    out.append(_not_simulated("XPS Mg:As after 20 min Ar⁺ sputtering", "600C-12h", 3.24, "", "600 °C XPS (Fig. S6)"))
    out.append(_not_simulated("XPS N 1s#1 binding energy", "600C-12h", 394.8, "eV", "600 °C XPS (Fig. S6)"))
    return out


def _xrd_rows(analyses: list[dict[str, Any]], truth: dict[str, Any], skip_as_bm_rietveld: bool) -> list[dict[str, Any]]:
    """Table 2 per sample: a, ρ, V (Rietveld) and D, ε (Williamson–Hall, the paper's method, and Rietveld)."""
    out = []
    for sample, paper in PAPER["xrd"].items():
        res = _result(analyses, "xrd_refine", sample)
        st, rs = _status(res)
        main = (res or {}).get("main_phase")
        ph = next((p for p in (res or {}).get("phases") or [] if p.get("name") == main), {})
        tx = ((truth.get(sample) or {}).get("xrd") or {})
        tp = (tx.get("phases") or {}).get(tx.get("main_phase"), {})
        wh = (res or {}).get("williamson_hall") or {}
        items = [("a (Rietveld)", ph.get("a"), ph.get("a_stderr"), "a_A", "a_A", "Å"),
                 ("ρ (X-ray density)", ph.get("density_g_cm3"), None, "density_g_cm3", "density_g_cm3", "g/cm³"),
                 ("V (Rietveld)", ph.get("volume_A3"), None, "volume_A3", "volume_A3", "Å³"),
                 ("D (Rietveld)", ph.get("crystallite_size_nm"), ph.get("crystallite_size_stderr_nm"), "D_nm", "D_nm", "nm"),
                 ("ε (Rietveld)", ph.get("microstrain"), ph.get("microstrain_stderr"), "strain", "strain", ""),
                 ("D (Williamson–Hall)", wh.get("crystallite_size_nm"), wh.get("crystallite_size_stderr_nm"), "D_nm", "D_nm", "nm"),
                 ("ε (Williamson–Hall)", wh.get("microstrain"), wh.get("microstrain_stderr"), "strain", "strain", "")]
        for q, rec, err, tkey, pkey, unit in items:
            if skip_as_bm_rietveld and sample == "as-BM" and q in ("a (Rietveld)", "ρ (X-ray density)", "D (Rietveld)", "ε (Rietveld)"):
                continue
            out.append(_row(q, sample, rec, err, tp.get(tkey), paper[pkey], unit, st, rs))
    return out


def _arrhenius_Ea(s1: float, T1: float, s2: float, T2: float) -> float:
    """Ea [eV] from σ(T1), σ(T2) with σ = σ0·exp(−Ea/kT)."""
    return K_B_EV * math.log(s2 / s1) / (1 / T1 - 1 / T2)


def inconsistency_rows() -> list[dict[str, Any]]:
    """The paper's internal inconsistencies, each with its arithmetic (recovered = implied value)."""
    s40, s100 = PAPER["stack_sigma_mS_per_cm"]["40C"], PAPER["stack_sigma_mS_per_cm"]["100C"]
    ea = _arrhenius_Ea(s40, 313.15, s100, 373.15)
    out = [_row("Ea implied by the stack pair (paper arithmetic)", "as-BM", ea, None, None, PAPER["Ea_ion_eV"]["as-BM"], "eV",
                "warning", [f"paper_inconsistent: Ea = k·ln({s100}/{s40})/(1/313.15 K − 1/373.15 K) = {ea:.3f} eV "
                            f"vs the stated {PAPER['Ea_ion_eV']['as-BM']} eV"])]
    for sample in ("as-BM", "600C-12h"):
        si, se = PAPER["sigma_ion_100C_S_per_cm"][sample], PAPER["sigma_el_100C_S_per_cm_cold"][sample]
        t = si / (si + se)
        out.append(_row("t_ion implied by σ_ion/(σ_ion+σ_el) (paper arithmetic)", sample, t, None, None,
                        PAPER["t_ion"][sample], "", "warning",
                        [f"paper_inconsistent: σ_ion/(σ_ion+σ_el) = {si:g}/({si:g}+{se:g}) = {t:.4f} vs the DC t_ion "
                         f"{PAPER['t_ion'][sample]} (the paper blames interfacial/grain-boundary resistance)"]))
    si, sh = PAPER["sigma_ion_100C_S_per_cm"]["as-BM"], PAPER["sigma_el_100C_S_per_cm_hot"]["as-BM"]
    t = si / (si + sh)
    out.append(_row("t_ion implied with the hot-pressed σ_el (paper arithmetic)", "as-BM", t, None, None,
                    PAPER["t_ion"]["as-BM"], "", "warning",
                    [f"paper_inconsistent: {si:g}/({si:g}+{sh:g}) = {t:.4f}: even the hot-pressed σ_el leaves "
                     "as-BM an ionic conductor by t_el < 0.01, not the mixed conductor the paper calls it"]))
    return out


def missing_rows() -> list[dict[str, Any]]:
    """Numbers of the paper the virtual study does not simulate yet."""
    return [
        _not_simulated("GCD cycles at 2 µA/cm², 60 °C (Mg|SE-polymer|Mg)", "SE-polymer", 200, "cycles",
                       "composite galvanostatic cycling (Fig. 6h); the paper says > 200"),
    ]


def extra_rows(seed: int = 0) -> list[dict[str, Any]]:
    """Stack comparison, hot-pressed σ_el and the SE–polymer composite, simulated and analysed in
    memory (:mod:`sselab.simulate.paper_extra`; not files of the virtual study yet)."""
    from .simulate import paper_extra as px

    note = "simulated in memory by sselab.simulate.paper_extra (assumptions stated there), not by the pipeline"
    out = []
    d = px.stack_comparison(seed=seed)
    t = d["truth"]
    msg = (f"the stack comparison calls as-BM '{d['conductor']}' (t_el = σ_el/(σ_ion+σ_el) < 0.01); the paper calls it a "
           f"mixed conductor from its DC t_ion 0.077 — its own σ_ion and σ_el give t_el = {t['t_el']:.2g}")
    out.append(_row("t_el (stack comparison Au|SE|Au vs Mg|SE|Mg, 100 °C)", "as-BM", d["t_el"], None, t["t_el"], None, "",
                    "warning" if d["t_el"] is not None else "failed", [msg, note] + [r["message"] for r in d["reasons"]]))
    out.append(_row("σ_el from the ion-blocking spectrum (AC, 100 °C)", "as-BM", d["sigma_el_S_per_cm"], None,
                    t["sigma_el_S_per_cm"], PAPER["sigma_el_100C_S_per_cm_cold"]["as-BM"], "S/cm", d["status"],
                    [note] + [r["message"] for r in d["reasons"]]))
    for sample in ("as-BM", "600C-12h"):
        h = px.hot_pressed_sigma_el(sample, seed=seed + 10)
        out.append(_row("σ_el at 100 °C (DC, hot-pressed)", sample, h["sigma_el_S_per_cm"], h["sigma_el_stderr_S_per_cm"],
                        h["truth_sigma_el_S_per_cm"], PAPER["sigma_el_100C_S_per_cm_hot"][sample], "S/cm", h["status"],
                        [note] + [r["message"] for r in h["reasons"]]))
    c = px.composite_conductivity(seed=seed + 20)
    out.append(_row("σ at 25 °C (SS|SE-polymer|SS)", "SE-polymer", c["sigma_RT_S_per_cm"] * 1e3,
                    c["sigma_RT_stderr_S_per_cm"] * 1e3, c["truth"]["sigma_RT_S_per_cm"] * 1e3,
                    PAPER["composite_sigma_RT_mS_per_cm"], "mS/cm", c["status"], [note]))
    out.append(_row("Ea (SE-polymer composite, 25–80 °C)", "SE-polymer", c["Ea_eV"], c["Ea_stderr_eV"], c["truth"]["Ea_eV"],
                    PAPER["composite_Ea_eV"], "eV", c["status"], [note]))
    return out


def paper_rows(comparison: list[dict[str, Any]], analyses: list[dict[str, Any]], truth: dict[str, Any]) -> list[dict[str, Any]]:
    """All rows: the demo's existing comparison (numbers kept) plus every other paper number."""
    rows = [split_sample(r) for r in comparison]
    have_as_bm_rietveld = any(r["quantity"] == "a (Rietveld)" and r["sample"] == "as-BM" for r in rows)
    rows += _stack_rows(analyses)
    rows += _ac_dc_rows(analyses, truth)
    rows += _xrd_rows(analyses, truth, skip_as_bm_rietveld=have_as_bm_rietveld)
    rows += _xps_rows(analyses)
    rows += _cycling_cv_rows(analyses, truth)
    from .exceptions import SselabError

    try:
        rows += extra_rows()
    except (SselabError, ArithmeticError, ValueError) as exc:  # shown as a failed row, not the end of the demo
        rows.append(_row("in-memory paper extras (stack comparison, hot-pressed σ_el, composite)", "", status="failed",
                         reasons=[f"{type(exc).__name__}: {exc}"]))
    rows += missing_rows()
    rows += inconsistency_rows()
    return rows
