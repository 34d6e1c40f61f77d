"""Routes of the DC, cycling/CV, XRD and XPS views, and one CSV export per table they show.

The data are the stored results of the study pipeline (read with
:meth:`sselab.store.Store.analyses`, shaped by :mod:`sselab.web.views`); nothing is
recomputed.  ``/api/export/curves/{analysis_id}.csv`` downloads the ``"curves"`` block behind
any of the plots.

Example
-------
>>> "/api/export/xrd.csv" in [r.path for r in router.routes]
True
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response

from . import views
from .context import Workbench, clean, workbench
from .routes_study import csv_response

router = APIRouter()

#: Store methods read by each view (XPS: depth profiles, and single-region fits whose curves it can draw).
METHODS = {"dc": ("dc_transient",), "iv": ("dc_electronic",), "cycling": ("cycling",), "cv": ("cv",),
           "xrd": ("xrd_refine",), "xps": ("xps_profile", "xps_fit")}


def _ok(wb: Workbench, key: str) -> list[dict[str, Any]]:
    found = [a for m in METHODS[key] for a in wb.data.store.analyses(method=m, status="ok")]
    return sorted(found, key=lambda a: a["id"])


@router.get("/api/dc")
def dc(wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """Chronoamperometry curves with t_ion, and the I–V lines of σ_el."""
    return clean({"transients": views.dc_transients(_ok(wb, "dc")), "iv": views.iv_lines(_ok(wb, "iv"))})


@router.get("/api/cycling")
def cycling(wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """Galvanostatic records (V(t), overpotential per cycle) and voltammograms (I(E), peaks)."""
    return clean({"cycling": views.cycling_records(_ok(wb, "cycling")), "cv": views.cv_records(_ok(wb, "cv"))})


@router.get("/api/xrd")
def xrd(wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """Rietveld refinements: observed/calculated/difference, R factors, phases."""
    return clean({"refinements": views.xrd_view(_ok(wb, "xrd"))})


@router.get("/api/xps")
def xps(wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """XPS depth profiles: atomic % per sputter step and a fitted spectrum."""
    return clean({"profiles": views.xps_view(_ok(wb, "xps"))})


# -- CSV, one per table ------------------------------------------------------------------------
def _table(rows: list[dict[str, Any]], cols: list[str], filename: str) -> Response:
    return csv_response(cols, [[r.get(c) for c in cols] for r in rows], filename)


@router.get("/api/export/dc.csv")
def export_dc(wb: Workbench = Depends(workbench)) -> Response:
    """The chronoamperometry table: t_ion, I0, I_ss per record."""
    rows = clean(views.dc_transients(_ok(wb, "dc")))
    return _table(rows, ["analysis_id", "sample", "label", "temperature_K", "voltage_V", "t_ion", "t_ion_stderr",
                         "I0_A", "Is_A", "steady_state_reached"], "dc.csv")


@router.get("/api/export/iv.csv")
def export_iv(wb: Workbench = Depends(workbench)) -> Response:
    """The I–V points behind σ_el, with each line's R_el and σ_el."""
    rows = []
    for line in clean(views.iv_lines(_ok(wb, "iv"))):
        for p in line["points"]:
            rows.append({**p, **{k: line[k] for k in ("analysis_id", "sample", "R_el_ohm", "sigma_el_S_per_cm")}})
    return _table(rows, ["analysis_id", "sample", "voltage_V", "current_A", "stderr_A", "R_el_ohm",
                         "sigma_el_S_per_cm"], "iv.csv")


@router.get("/api/export/cycling.csv")
def export_cycling(wb: Workbench = Depends(workbench)) -> Response:
    """Overpotentials per cycle (the record's trend definition)."""
    rows = [{**c, "analysis_id": r["analysis_id"], "sample": r["sample"], "definition": r["definition"]}
            for r in clean(views.cycling_records(_ok(wb, "cycling"))) for c in r["cycles"]]
    return _table(rows, ["analysis_id", "sample", "definition", "cycle", "time_h", "plating_V", "stripping_V",
                         "polarisation_V"], "cycling.csv")


@router.get("/api/export/cv.csv")
def export_cv(wb: Workbench = Depends(workbench)) -> Response:
    """Deposition and dissolution peaks per scan."""
    rows = [{**p, "analysis_id": r["analysis_id"], "sample": r["sample"]}
            for r in clean(views.cv_records(_ok(wb, "cv"))) for p in r["peaks"]]
    return _table(rows, ["analysis_id", "sample", "scan", "kind", "potential_V", "current_A", "onset_V"], "cv.csv")


@router.get("/api/export/xrd.csv")
def export_xrd(wb: Workbench = Depends(workbench)) -> Response:
    """One row per refined phase, with the refinement's R factors."""
    rows, cols = [], ["analysis_id", "sample", "phase"]
    refinements = clean(views.xrd_view(_ok(wb, "xrd")))
    stats = [s for s in views.XRD_STATS if any(s in r["stats"] for r in refinements)]
    for r in refinements:
        for p in r["phases"] or [{"phase": None}]:
            cols += [k for k in p if k not in cols]
            rows.append({"analysis_id": r["analysis_id"], "sample": r["sample"], **p, **r["stats"]})
    return _table(rows, cols + stats, "xrd.csv")


@router.get("/api/export/xps.csv")
def export_xps(wb: Workbench = Depends(workbench)) -> Response:
    """Atomic % of every element per sputter step."""
    rows, elements = [], []
    for r in clean(views.xps_view(_ok(wb, "xps"))):
        prof = r["profile"]
        if not prof:
            continue
        elements += [e for e in prof["atomic_percent"] if e not in elements]
        for k, x in enumerate(prof["x"]):
            rows.append({"analysis_id": r["analysis_id"], "sample": r["sample"], "x_name": prof["x_name"], "x": x,
                         **{e: v[k] if k < len(v) else None for e, v in prof["atomic_percent"].items()}})
    return _table(rows, ["analysis_id", "sample", "x_name", "x"] + elements, "xps.csv")


@router.get("/api/export/curves/{analysis_id}.csv")
def export_curves(analysis_id: int, wb: Workbench = Depends(workbench)) -> Response:
    """The stored ``"curves"`` of one analysis (the data behind its plot) as CSV."""
    a = wb.data.store.get(analysis_id)
    curves = (a.get("result") or {}).get("curves")
    cols = [k for k, v in curves.items() if isinstance(v, list)] if isinstance(curves, dict) else []
    if not cols:
        raise HTTPException(404, f"analysis {analysis_id} has no stored curves")
    n = max(len(curves[c]) for c in cols)
    rows = [[curves[c][i] if i < len(curves[c]) else None for c in cols] for i in range(n)]
    return csv_response(cols, rows, f"curves-{analysis_id}.csv")
