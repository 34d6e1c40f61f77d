"""What the DC, cycling, CV, XRD and XPS views draw, read from stored analysis results.

Each function takes analyses as :meth:`sselab.store.Store.analyses` returns them and keeps the
keys the page needs.  They are written against the result dicts the study pipeline stores
(:mod:`sselab.study.analyses`: ``dc_transient``, ``dc_electronic``, ``cycling`` and ``cv``
results carry a ``"curves"`` block) and defensively against ``xrd_refine`` and ``xps_profile``
results: a missing key gives an empty plot or table, never an error.

Example
-------
>>> xrd_view([{"id": 1, "sample": "HP", "task_id": None, "measurements": [],
...            "result": {"Rwp": 7.5, "phases": {"Mg3AsN": {"a_Angstrom": 9.85}},
...                       "curves": {"two_theta_deg": [20, 21], "observed": [5, 7], "calculated": [4, 7]}}}])[0]["curves"]["difference"]
[1.0, 0.0]
"""

from __future__ import annotations

import math
from typing import Any

#: Order of the per-phase quantities of an XRD refinement (a key matches by name or prefix ``name_``).
XRD_PHASE_KEYS = ("a", "b", "c", "volume", "density", "weight_fraction", "crystallite_size_nm", "microstrain")
XRD_STATS = ("Rp", "Rwp", "Rexp", "chi2", "GoF")


def _num(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    return float(x) if math.isfinite(x) else None


def _label(a: dict[str, Any]) -> str:
    ms = a.get("measurements") or []
    if len(ms) == 1:
        return str(ms[0].get("path", "")).rsplit("/", 1)[-1]
    return a.get("task_id") or f"analysis {a['id']}"


def _head(a: dict[str, Any]) -> dict[str, Any]:
    ms = a.get("measurements") or []
    return {"analysis_id": a["id"], "sample": a.get("sample"), "label": _label(a),
            "temperature_K": ms[0].get("temperature_K") if len(ms) == 1 else None,
            "voltage_V": ms[0].get("voltage_V") if len(ms) == 1 else None}


def _curves(result: dict[str, Any], x: str, y: str) -> dict[str, list[Any]] | None:
    c = result.get("curves")
    if isinstance(c, dict) and isinstance(c.get(x), list) and isinstance(c.get(y), list):
        n = min(len(c[x]), len(c[y]))
        return {x: c[x][:n], y: c[y][:n]}
    return None


# -- DC ------------------------------------------------------------------------------------------
def dc_transients(analyses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chronoamperometry records (``dc_transient``): I(t), t_ion, I0 and I_ss."""
    out = []
    for a in analyses:
        r = a.get("result") or {}
        head = _head(a)
        if head["voltage_V"] is None:
            head["voltage_V"] = _num(r.get("set_potential_V"))
        out.append(head | {
            "t_ion": _num(r.get("t_ion")), "t_ion_stderr": _num(r.get("t_ion_stderr")),
            "I0_A": _num(r.get("I0_A")), "Is_A": _num(r.get("Is_A")),
            "steady_state_reached": r.get("steady_state_reached"),
            "curves": _curves(r, "time_s", "current_A"),
        })
    return out


def iv_lines(analyses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """I–V lines of the electronic conductivity (``dc_electronic``): I_ss per voltage and the fitted line.

    Points are signed like the line, I = V / R_el + intercept (the analysis fits the
    steady-state currents in the sign of the applied voltage).
    """
    out = []
    for a in analyses:
        r = a.get("result") or {}
        pts = []
        for p in r.get("points") or []:
            v, i = _num(p.get("voltage_V")), _num(p.get("Is_A"))
            if v is not None and i is not None:
                sign = -1.0 if v < 0 else 1.0
                err = _num(p.get("Is_stderr_A"))
                pts.append({"voltage_V": v, "current_A": sign * abs(i), "stderr_A": err,
                            "steady_state_reached": p.get("steady_state_reached")})
        pts.sort(key=lambda p: p["voltage_V"])
        r_el, b = _num(r.get("R_el_ohm")), _num(r.get("intercept_A")) or 0.0
        line = None
        if r_el and pts:
            vs = [min(0.0, pts[0]["voltage_V"]), pts[-1]["voltage_V"]]
            line = {"voltage_V": vs, "current_A": [v / r_el + b for v in vs]}
        out.append({"analysis_id": a["id"], "sample": a.get("sample"), "points": pts, "line": line,
                    "R_el_ohm": r_el, "R_el_stderr_ohm": _num(r.get("R_el_stderr_ohm")), "intercept_A": b,
                    "sigma_el_S_per_cm": _num(r.get("sigma_el_S_per_cm")),
                    "sigma_el_stderr_S_per_cm": _num(r.get("sigma_el_stderr_S_per_cm")),
                    "r_squared": _num(r.get("r_squared"))})
    return out


# -- cycling and CV ------------------------------------------------------------------------------
def cycling_records(analyses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Galvanostatic cycling (``cycling``): V(t) and the overpotentials per cycle."""
    out = []
    for a in analyses:
        r = a.get("result") or {}
        d = str(r.get("definition_for_trends") or "end")
        cycles = [{"cycle": c.get("cycle"), "time_h": _num(c.get("time_h")),
                   "plating_V": _num(c.get(f"plating_{d}_V")), "stripping_V": _num(c.get(f"stripping_{d}_V")),
                   "polarisation_V": _num(c.get(f"polarisation_{d}_V"))}
                  for c in r.get("cycles") or [] if isinstance(c, dict)]
        out.append(_head(a) | {
            "definition": d, "n_cycles": r.get("n_cycles"), "cycles": cycles,
            "current_density_mA_per_cm2": _num(r.get("current_density_mA_per_cm2")),
            "polarisation_growth_V_per_cycle": _num(r.get("polarisation_growth_V_per_cycle")),
            "short_circuit_cycle": r.get("short_circuit_cycle"),
            "curves": _curves(r, "time_s", "voltage_V"),
        })
    return out


def cv_records(analyses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cyclic voltammograms (``cv``): I(E) and the deposition/dissolution peaks per scan."""
    out = []
    for a in analyses:
        r = a.get("result") or {}
        peaks = []
        for sc in r.get("scans") or []:
            for kind in ("deposition", "dissolution"):
                p = sc.get(f"{kind}_peak") if isinstance(sc, dict) else None
                if isinstance(p, dict):
                    peaks.append({"scan": sc.get("scan"), "kind": kind, "potential_V": _num(p.get("potential_V")),
                                  "current_A": _num(p.get("current_A")), "onset_V": _num(p.get("onset_V"))})
        out.append(_head(a) | {"scan_rate_V_per_s": _num(r.get("scan_rate_V_per_s")), "peaks": peaks,
                               "curves": _curves(r, "potential_V", "current_A")})
    return out


# -- XRD -----------------------------------------------------------------------------------------
def _phases(r: dict[str, Any]) -> list[dict[str, Any]]:
    raw = r.get("phases")
    items: list[tuple[str, dict[str, Any]]] = []
    if isinstance(raw, dict):
        items = [(str(k), v) for k, v in raw.items() if isinstance(v, dict)]
    elif isinstance(raw, list):
        items = [(str(v.get("phase") or v.get("name") or f"phase {i + 1}"), v)
                 for i, v in enumerate(raw) if isinstance(v, dict)]
    elif any(k == name or k.startswith(name + "_") for k in r for name in XRD_PHASE_KEYS):
        items = [(str(r.get("phase") or "phase"), r)]
    out = []
    for name, d in items:
        row: dict[str, Any] = {"phase": name}
        for key in XRD_PHASE_KEYS:
            for k, v in d.items():
                if (k == key or k.startswith(key + "_")) and k not in row and "stderr" not in k and _num(v) is not None:
                    row[k] = _num(v)
        out.append(row)
    return out


def xrd_view(analyses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Refinements (``xrd_refine``): observed, calculated and difference, reflection positions per
    phase (``ticks_deg``), R factors and the phase table."""
    out = []
    for a in analyses:
        r = a.get("result") or {}
        c = r.get("curves") if isinstance(r.get("curves"), dict) else {}
        curves = None
        x, yo, yc = c.get("two_theta_deg"), c.get("observed"), c.get("calculated")
        if isinstance(x, list) and isinstance(yo, list):
            n = min(len(x), len(yo), len(yc) if isinstance(yc, list) else len(x))
            curves = {"two_theta_deg": x[:n], "observed": yo[:n]}
            if isinstance(yc, list):
                curves["calculated"] = yc[:n]
                diff = c.get("difference")
                curves["difference"] = (diff[:n] if isinstance(diff, list) else
                                        [None if o is None or k is None else float(o) - float(k)
                                         for o, k in zip(yo[:n], yc[:n])])
        ticks = r.get("ticks_deg") if isinstance(r.get("ticks_deg"), dict) else {}
        ticks = {str(k): [float(t) for t in v if _num(t) is not None] for k, v in ticks.items() if isinstance(v, list)}
        out.append(_head(a) | {"stats": {k: _num(r.get(k)) for k in XRD_STATS if _num(r.get(k)) is not None},
                               "phases": _phases(r), "curves": curves, "ticks_deg": ticks})
    return out


# -- XPS -----------------------------------------------------------------------------------------
def _profile(r: dict[str, Any]) -> dict[str, Any] | None:
    steps = r.get("steps")
    if isinstance(steps, list) and steps and all(isinstance(s, dict) for s in steps):
        elements: dict[str, list[float | None]] = {}
        for k, s in enumerate(steps):
            for el, v in (s.get("atomic_percent") or {}).items():
                elements.setdefault(str(el), [None] * len(steps))[k] = _num(v)
        depth = [_num(s.get("depth_nm")) for s in steps]
        time_s = [_num(s.get("sputter_time_s")) for s in steps]
    else:
        elements = next((r[k] for k in ("element_atomic_percent", "atomic_percent")
                         if isinstance(r.get(k), dict)), {})
        depth, time_s = r.get("depth_nm"), r.get("sputter_time_s")
    elements = {str(k): [_num(x) for x in v] for k, v in elements.items() if isinstance(v, list)}
    if not elements:
        return None
    n = max(len(v) for v in elements.values())
    if isinstance(depth, list) and len(depth) == n and None not in depth:
        x, name = depth, "depth_nm"
    elif isinstance(time_s, list) and len(time_s) == n and None not in time_s:
        x, name = time_s, "sputter_time_s"
    else:
        x, name = list(range(n)), "step"
    return {"x": x, "x_name": name, "atomic_percent": elements,
            "components": {str(k): v for k, v in (r.get("component_atomic_percent") or {}).items() if isinstance(v, list)}}


def _spectrum(c: Any) -> dict[str, Any] | None:
    if not isinstance(c, dict):
        return None
    xkey = next((k for k in c if "binding_energy" in k), None) or next((k for k in c if "energy" in k), None)
    if xkey is None or not isinstance(c[xkey], list):
        return None
    n = len(c[xkey])
    series = {k: v for k, v in c.items() if k != xkey and isinstance(v, list) and len(v) == n}
    for k, v in c.items():  # nested components {name: [...]}
        if isinstance(v, dict):
            series.update({f"{k}:{n2}": v2 for n2, v2 in v.items() if isinstance(v2, list) and len(v2) == n})
    meta = {k: v for k, v in c.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}
    return {"x": c[xkey], "x_name": xkey, "series": series, "meta": meta} if series else None


def _xps_regions(res: dict[str, Any]) -> list[dict[str, Any]]:
    """Per region, per sputter step: data, envelope, background and each component's curve."""
    import numpy as np

    from ..report.figures import component_curves

    out = []
    for region, steps in (res.get("step_spectra") or {}).items():
        shown = []
        for k, st in enumerate(steps):
            e = np.asarray(st["binding_energy_eV"], float)
            bg = np.asarray(st["background"], float)
            comps = [{"name": n, "y": y.tolist()} for n, y in component_curves(res, region, e, bg, step=k)]
            shown.append({**st, "components": comps})
        out.append({"region": region, "steps": shown})
    return out


def xps_view(analyses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Depth profiles (``xps_profile``): atomic % per sputter step, one fitted spectrum, and
    every region at every step with its components (the view's region/depth selectors)."""
    return [_head(a) | {"profile": _profile(a.get("result") or {}),
                        "spectrum": _spectrum((a.get("result") or {}).get("curves")),
                        "regions": _xps_regions(a.get("result") or {}),
                        "rsf_source": (a.get("result") or {}).get("rsf_source")}
            for a in analyses]
