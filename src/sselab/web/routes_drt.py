"""DRT routes: the distribution of relaxation times of a spectrum, computed on request as a job.

``POST /api/drt`` checks the request and runs :func:`sselab.eis.drt.drt` (the library's public
API, nothing re-implemented) in the job pool; the page polls ``GET /api/jobs/{id}`` (with
``progress_percent`` over the stages: read, regularised fit, model curve) and draws γ(τ) and
the peaks table.  ``GET /api/export/drt/{job_id}.csv`` and ``.../gamma.csv`` download them.

Example
-------
>>> sorted(r.path for r in router.routes)
['/api/drt', '/api/export/drt/{job_id}.csv', '/api/export/drt/{job_id}/gamma.csv']
"""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response
from pydantic import ConfigDict, Field

from ..eis.drt import drt
from ..verdict import with_reading
from .context import Workbench, clean, workbench
from .jobs import Job, Stages
from .routes_eis import PointsBody, select_or_400
from .routes_study import csv_response, spectrum_or_400

router = APIRouter()
DRT_KIND = "drt"
PEAK_COLUMNS = ["tau_s", "frequency_Hz", "R_ohm", "C_F"]


class DRTBody(PointsBody):
    """Settings of a DRT request (a subset of :func:`sselab.eis.drt.drt`'s keywords, and the
    points left out as for a fit)."""

    model_config = ConfigDict(extra="forbid")
    measurement_id: int
    blocking: str = Field(default="auto", pattern="^(auto|yes|no)$")
    method: str = Field(default="auto", pattern="^(auto|gcv|mgcv|rgcv|cgcv|lcurve)$")
    basis: str = Field(default="rbf", pattern="^(rbf|pwl)$")
    derivative: int = Field(default=2, ge=0, le=2)
    lambda_value: float | None = Field(default=None, gt=0)
    bootstrap: int = Field(default=0, ge=0, le=200)
    band: str = Field(default="auto", pattern="^(auto|bias-aware|posterior|bootstrap|none)$")
    seed: int | None = None


@router.post("/api/drt", status_code=202)
def start_drt(body: DRTBody, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """Compute the DRT of a stored spectrum in the background; returns ``{"job_id"}`` at once."""
    select_or_400(spectrum_or_400(wb, body.measurement_id)[1], body)  # 404/400 now, not inside the job

    def work(progress: Any) -> dict[str, Any]:
        stages = Stages(progress, ["reading the spectrum", "regularised fit", "model curve"])
        stages.next()
        selection = select_or_400(spectrum_or_400(wb, body.measurement_id)[1], body)
        spectrum = selection.spectrum
        stages.next(f"regularised fit (λ by {body.method})" if body.lambda_value is None
                    else f"regularised fit (λ = {body.lambda_value:g})")
        result = drt(spectrum, method=body.method, basis=body.basis, derivative=body.derivative,
                     lambda_value=body.lambda_value, bootstrap=body.bootstrap, seed=body.seed, band=body.band,
                     blocking={"auto": "auto", "yes": True, "no": False}[body.blocking])
        result = with_reading(result, selection.original)
        stages.next()
        f = spectrum.frequency_Hz
        z = result.predict(f)
        return clean({"measurement_id": body.measurement_id, "drt": result.to_dict(), "mask": selection.to_dict(),
                      "predicted": {"frequency_Hz": f, "z_real_ohm": z.real, "z_imag_ohm": z.imag}})

    job = wb.jobs.submit(DRT_KIND, work, measurement_id=body.measurement_id)
    return {"job_id": job.id, "status": job.status}


def _finished(wb: Workbench, job_id: str) -> Job:
    job = wb.jobs.get(job_id)
    if job is None or job.kind != DRT_KIND or job.status != "done":
        raise HTTPException(404, f"no finished DRT job {job_id}")
    return job


@router.get("/api/export/drt/{job_id}.csv")
def export_drt_peaks(job_id: str, wb: Workbench = Depends(workbench)) -> Response:
    """The DRT's peaks (processes) as CSV: τ, f, R, C."""
    peaks = _finished(wb, job_id).result["drt"]["peaks"]
    return csv_response(PEAK_COLUMNS, [[p.get(c) for c in PEAK_COLUMNS] for p in peaks], f"drt-peaks-{job_id[:8]}.csv")


@router.get("/api/export/drt/{job_id}/gamma.csv")
def export_drt_gamma(job_id: str, wb: Workbench = Depends(workbench)) -> Response:
    """γ(τ) as CSV (with the 95 % band when one was computed)."""
    d = _finished(wb, job_id).result["drt"]
    cols = ["tau_s", "gamma_ohm"] + [c for c in ("gamma_lower_ohm", "gamma_upper_ohm") if c in d]
    rows = np.column_stack([np.asarray(d[c], float) for c in cols]).tolist()
    return csv_response(cols, rows, f"drt-gamma-{job_id[:8]}.csv")
