"""Study routes: the samples × measurements table, one measurement's data, CSV exports.

Example
-------
>>> [r.path for r in router.routes][:2]
['/api/study', '/api/measurements/{measurement_id}']
"""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response

from ..exceptions import StoreError
from ..measurements import Spectrum
from .context import Workbench, clean, workbench
from .studydata import FIT_METHOD, measurement_arrays

router = APIRouter()


def _hide_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - display only
        return url


def load_or_404(wb: Workbench, measurement_id: int) -> tuple[dict[str, Any], Any]:
    """(row, measurement) or HTTP 404 for an unknown id."""
    try:
        wb.data.measurement(measurement_id)
    except StoreError as exc:
        raise HTTPException(404, str(exc)) from None
    return wb.data.load(measurement_id)


def spectrum_or_400(wb: Workbench, measurement_id: int) -> tuple[dict[str, Any], Spectrum]:
    row, m = load_or_404(wb, measurement_id)
    if not isinstance(m, Spectrum):
        raise HTTPException(400, f"measurement {measurement_id} is not an impedance spectrum ({row['technique']})")
    return row, m


def csv_cell(v: Any) -> Any:
    """One CSV cell: numbers with full precision, empty for missing, and text that a spreadsheet
    would run as a formula (leading ``=``, ``+``, ``-``, ``@``, tab, CR) prefixed with ``'``.

    >>> [csv_cell(x) for x in ("=HYPERLINK(1)", "-x", "HP600", -1.5, None)]
    ["'=HYPERLINK(1)", "'-x", 'HP600', '-1.5', '']
    """
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def csv_response(header: list[str], rows: list[list[Any]], filename: str) -> Response:
    """A CSV download (cells by :func:`csv_cell`: full precision, formulas neutralised)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([csv_cell(h) for h in header])
    for r in rows:
        w.writerow([csv_cell(v) for v in r])
    return Response(buf.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/api/study")
def study(wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """Samples, each with its measurements, their analyses and a status."""
    return clean({
        "study": wb.data.study_name(), "root": str(wb.config.root), "database": _hide_password(wb.config.db_url),
        "uploads": wb.config.upload_dir, "samples": wb.data.samples(),
    })


@router.get("/api/measurements/{measurement_id}")
def measurement(measurement_id: int, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """A measurement's data (spectra as frequency, Z', Z''), its sample and stored fits."""
    row, m = load_or_404(wb, measurement_id)
    out: dict[str, Any] = {
        "id": row["id"], "path": row["path"], "item": row["item"], "technique": row["technique"],
        "sample": row["sample"], "study": row["study"], "temperature_K": row["temperature_K"],
        "cell_stack": row["cell_stack"], "reader": row["reader"], "kind": type(m).__name__,
        "source": getattr(m, "source", ""), "notes": list(getattr(m, "notes", ())),
        "reading_verdict": row.get("reading_verdict"),  # how the file was read (rows dropped...)
    }
    if isinstance(m, Spectrum):
        out["frequency_Hz"] = m.frequency_Hz
        out["z_real_ohm"] = m.impedance_ohm.real
        out["z_imag_ohm"] = m.impedance_ohm.imag
    else:
        out["arrays"] = measurement_arrays(m)
    if getattr(m, "regions", None):  # XPS: one spectrum per region, chosen on the page
        out["regions"] = [{"name": r.name, "binding_energy_eV": r.binding_energy_eV, "counts": r.counts,
                           "sputter_time_s": r.sputter_time_s} for r in m.regions]
    fits = wb.data.analyses_of(measurement_id, FIT_METHOD)
    out["fits"] = [
        {k: a[k] for k in ("id", "status", "accepted", "accepted_by", "accepted_at", "updated_at", "result")}
        for a in fits
    ]
    accepted = [f for f in out["fits"] if f["accepted"]]
    out["accepted_fit"] = accepted[-1] if accepted else None
    # what the page opens on: the accepted fit, else the pipeline's latest stored fit
    shown = out["accepted_fit"] or next((f for f in reversed(out["fits"]) if f["status"] == "ok"), None)
    out["stored_fit"] = None if shown is None else stored_fit(shown)
    out["display_path"] = wb.data.display_path(row["path"])
    return clean(out)


def stored_fit(analysis: dict[str, Any]) -> dict[str, Any] | None:
    """One shape for a stored circuit fit, whether the web saved it (``result`` is the fit) or
    the pipeline did (``result.fit``): ``{analysis_id, accepted, circuit, weighting, chi2,
    parameters {name: {value, stderr, unit}}, status, reasons, mask}`` (``mask``: the points left
    out, :meth:`sselab.eis.mask.Selection.to_dict`, or None)."""
    res = analysis.get("result") or {}
    fit = res.get("fit") if isinstance(res.get("fit"), dict) else res
    if not isinstance(fit, dict) or not fit.get("circuit") or not isinstance(fit.get("parameters"), dict):
        return None
    return {"analysis_id": analysis["id"], "accepted": bool(analysis.get("accepted")), "circuit": fit["circuit"],
            "weighting": fit.get("weighting"), "chi2": fit.get("chi2"), "parameters": fit["parameters"],
            "residuals_rms_percent": fit.get("residuals_rms_percent"),
            "status": fit.get("status", res.get("status", "ok")), "reasons": fit.get("reasons", res.get("reasons", [])),
            "mask": fit.get("mask") or res.get("mask")}


@router.get("/api/export/study.csv")
def export_study(wb: Workbench = Depends(workbench)) -> Response:
    """The samples × measurements table as CSV."""
    rows = []
    for s in wb.data.samples():
        for m in s["measurements"]:
            rows.append([s["name"], m["id"], m["path"], m["item"], m["technique"], m["temperature_K"], m["status"]])
    return csv_response(["sample", "measurement_id", "path", "item", "technique", "temperature_K", "status"],
                        rows, "study.csv")


@router.get("/api/export/results.csv")
def export_results(wb: Workbench = Depends(workbench)) -> Response:
    """The store's tidy results table (one row per analysis and value) as CSV."""
    frame = wb.data.store.table()
    frame = frame.astype(object).where(frame.notna(), None)
    return csv_response(list(frame.columns), frame.values.tolist(), "results.csv")


@router.get("/api/export/fits/{analysis_id}.csv")
def export_stored_fit(analysis_id: int, wb: Workbench = Depends(workbench)) -> Response:
    """A stored fit's parameters (e.g. the accepted fit shown on the spectrum page) as CSV."""
    a = wb.data.store.get(analysis_id)
    result = a.get("result") or {}
    params = result.get("parameters") or (result.get("fit") or {}).get("parameters")
    if not isinstance(params, dict):
        raise HTTPException(404, f"analysis {analysis_id} holds no fitted parameters")
    rows = [[n, p.get("value"), p.get("stderr"), p.get("unit")] for n, p in params.items() if isinstance(p, dict)]
    return csv_response(["parameter", "value", "stderr", "unit"], rows, f"fit-{analysis_id}.csv")


@router.get("/api/export/measurements/{measurement_id}.csv")
def export_measurement(measurement_id: int, wb: Workbench = Depends(workbench)) -> Response:
    """A spectrum as CSV: frequency, Z', Z'' (and |Z|, phase)."""
    row, s = spectrum_or_400(wb, measurement_id)
    z = s.impedance_ohm
    rows = np.column_stack([s.frequency_Hz, z.real, z.imag, np.abs(z), np.degrees(np.angle(z))]).tolist()
    return csv_response(["frequency_Hz", "z_real_ohm", "z_imag_ohm", "z_abs_ohm", "phase_deg"], rows,
                        f"measurement-{measurement_id}.csv")
