"""Impedance routes: circuit validation, previews, fit jobs, Kramers–Kronig, accepted fits.

Circuit strings only ever go through :func:`sselab.eis.language.parse` (a tokenizer and a
recursive-descent parser); nothing from a request is evaluated.

Example
-------
>>> "/api/circuit/validate" in [r.path for r in router.routes]
True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from ..eis import Circuit, fit_circuit
from ..eis.initial import initial_values
from ..eis.kramers_kronig import kramers_kronig
from ..eis.weights import WEIGHTINGS
from ..exceptions import CircuitSyntaxError, SselabError
from ..measurements import Spectrum
from ..verdict import with_reading
from .context import Workbench, clean, workbench
from .jobs import Stages
from .routes_study import csv_response, spectrum_or_400

router = APIRouter()
MAX_POINTS = 100_000


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CircuitBody(_Body):
    circuit: str = Field(max_length=500)
    measurement_id: int | None = None


class SpectrumBody(_Body):
    frequency_Hz: list[float] = Field(max_length=MAX_POINTS)
    z_real_ohm: list[float] = Field(max_length=MAX_POINTS)
    z_imag_ohm: list[float] = Field(max_length=MAX_POINTS)


class PreviewBody(_Body):
    circuit: str = Field(max_length=500)
    values: dict[str, float]
    measurement_id: int | None = None


class PointsBody(_Body):
    """Points left out (as ``sselab eis fit --fmin/--fmax/--drop-inductive/--mask``)."""

    f_min_Hz: float | None = Field(default=None, gt=0)
    f_max_Hz: float | None = Field(default=None, gt=0)
    drop_inductive: bool = False
    mask: list[int] = Field(default_factory=list, max_length=100_000)


def select_or_400(spectrum: Spectrum, body: PointsBody) -> Any:
    """:func:`sselab.eis.mask.select` with the request's settings (HTTP 400 on bad ones)."""
    from ..eis.mask import select

    try:
        return select(spectrum, f_min_Hz=body.f_min_Hz, f_max_Hz=body.f_max_Hz, drop_inductive=body.drop_inductive,
                      mask=body.mask or None)
    except SselabError as exc:
        raise HTTPException(400, str(exc)) from None


class FitBody(PointsBody):
    circuit: str = Field(max_length=500)
    measurement_id: int | None = None
    spectrum: SpectrumBody | None = None
    weighting: str = "modulus"
    initial: dict[str, float] | None = None
    fixed: dict[str, float] | None = None
    bounds: dict[str, tuple[float, float]] | None = None


class AcceptBody(_Body):
    user: str = Field(min_length=1, max_length=200)
    job_id: str | None = Field(default=None, max_length=64)
    fit: dict[str, Any] | None = None


def parse_or_400(text: str) -> Circuit:
    """A :class:`Circuit`, or HTTP 400 with the parser's position and message."""
    try:
        return Circuit(text)
    except CircuitSyntaxError as exc:
        raise HTTPException(400, {"error": str(exc).splitlines()[0], "position": exc.position,
                                  "message": exc.message}) from None


def _describe(c: Circuit) -> list[dict[str, Any]]:
    return [{"name": n, "unit": u, "min": lo, "max": hi}
            for n, u, (lo, hi) in zip(c.parameter_names, c.units, c.bounds)]


def _spectrum(wb: Workbench, body: FitBody) -> Spectrum:
    if body.measurement_id is not None:
        return spectrum_or_400(wb, body.measurement_id)[1]
    if body.spectrum is None:
        raise HTTPException(400, "give measurement_id or spectrum")
    s = body.spectrum
    if not (len(s.frequency_Hz) == len(s.z_real_ohm) == len(s.z_imag_ohm)):
        raise HTTPException(400, "spectrum arrays must have the same length")
    z = np.asarray(s.z_real_ohm) + 1j * np.asarray(s.z_imag_ohm)
    return Spectrum(frequency_Hz=np.asarray(s.frequency_Hz), impedance_ohm=z, source="uploaded spectrum")


def _dense(f: np.ndarray, n: int = 200) -> np.ndarray:
    lo, hi = float(f.min()), float(f.max())
    return np.logspace(math.log10(hi), math.log10(lo), n)


@router.post("/api/circuit/validate")
def validate(body: CircuitBody, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """``{"ok": true, circuit, parameters}`` or ``{"ok": false, error, position, message}``.

    With ``measurement_id`` the automatic initial values from that spectrum come along.
    """
    try:
        c = Circuit(body.circuit)
    except CircuitSyntaxError as exc:
        return {"ok": False, "error": str(exc).splitlines()[0], "position": exc.position, "message": exc.message}
    out: dict[str, Any] = {"ok": True, "circuit": c.text, "parameters": _describe(c)}
    if body.measurement_id is not None:
        _, s = spectrum_or_400(wb, body.measurement_id)
        start = initial_values(c, s.frequency_Hz, s.impedance_ohm, n_starts=1)[0]
        out["initial"] = dict(zip(c.parameter_names, map(float, start)))
    return clean(out)


@router.post("/api/circuit/preview")
def preview(body: PreviewBody, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """Impedance of the circuit at given values (the arc moving while values are edited)."""
    c = parse_or_400(body.circuit)
    if body.measurement_id is not None:
        f = _dense(spectrum_or_400(wb, body.measurement_id)[1].frequency_Hz)
    else:
        f = np.logspace(6, -1, 200)
    try:
        z = c.impedance(f, body.values)
    except SselabError as exc:
        raise HTTPException(400, str(exc).splitlines()[0]) from None
    return clean({"frequency_Hz": f, "z_real_ohm": z.real, "z_imag_ohm": z.imag})


@router.post("/api/fit", status_code=202)
def start_fit(body: FitBody, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """Check the request, then fit in the background; returns ``{"job_id"}`` at once."""
    c = parse_or_400(body.circuit)
    if body.weighting not in WEIGHTINGS:
        raise HTTPException(400, f"unknown weighting {body.weighting!r}; expected one of {', '.join(WEIGHTINGS)}")
    for name in list(body.initial or {}) + list(body.fixed or {}) + list(body.bounds or {}):
        if name not in c.parameter_names:
            raise HTTPException(400, f"circuit {c.text} has no parameter {name!r}")
    selection = select_or_400(_spectrum(wb, body), body)
    spectrum = selection.spectrum

    def work(progress: Any) -> dict[str, Any]:
        stages = Stages(progress, ["least squares", "model curve and residuals"])
        stages.next(f"least squares: {c.text} to {spectrum.n_points} points")
        fit = with_reading(fit_circuit(spectrum, c, weighting=body.weighting, initial=body.initial, fixed=body.fixed,
                                       bounds=body.bounds), selection.original)
        stages.next()
        f = spectrum.frequency_Hz
        dense = _dense(f)
        zd = fit.predict(dense)
        rr, ri = fit.residuals_relative
        d = fit.to_dict()
        d["fixed"] = dict(body.fixed or {})
        d["mask"] = selection.to_dict()
        return clean({
            "measurement_id": body.measurement_id, "fit": d,
            "predicted": {"frequency_Hz": dense, "z_real_ohm": zd.real, "z_imag_ohm": zd.imag},
            "residuals": {"frequency_Hz": f, "real": rr, "imag": ri},
        })

    job = wb.jobs.submit("fit", work, measurement_id=body.measurement_id)
    return {"job_id": job.id, "status": job.status}


@router.get("/api/jobs/{job_id}")
def job_status(job_id: str, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """A job's status, elapsed time, progress line and percentage, and (when done) result."""
    job = wb.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id[:40]}")
    return job.to_dict()


@router.post("/api/jobs/{job_id}/cancel")
def cancel_job(job_id: str, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """Cancel a queued or running fit/DRT job (a finished one is returned unchanged)."""
    job = wb.jobs.cancel(job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id[:40]}")
    return job.to_dict()


@router.get("/api/kk/{measurement_id}")
def kk(measurement_id: int, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """The linear Kramers–Kronig test of a spectrum (``KKResult.to_dict()``)."""
    _, s = spectrum_or_400(wb, measurement_id)
    try:
        return clean(with_reading(kramers_kronig(s), s).to_dict())
    except SselabError as exc:
        raise HTTPException(400, str(exc).splitlines()[0]) from None


def _checked_fit(fit: dict[str, Any]) -> dict[str, Any]:
    """A client-sent fit dict must name a valid circuit and finite values for its parameters."""
    c = parse_or_400(str(fit.get("circuit", "")))
    params = fit.get("parameters")
    if not isinstance(params, dict) or set(params) != set(c.parameter_names):
        raise HTTPException(400, f"fit parameters must be exactly {', '.join(c.parameter_names)}")
    for name, p in params.items():
        v = p.get("value") if isinstance(p, dict) else None
        if not isinstance(v, (int, float)) or not math.isfinite(v):
            raise HTTPException(400, f"fit parameter {name} has no finite value")
    return fit


@router.post("/api/results/{measurement_id}/accept")
def accept(measurement_id: int, body: AcceptBody, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """Save a fit (a finished job's, or a fit dict) as the accepted fit, with who and when."""
    spectrum_or_400(wb, measurement_id)
    if body.job_id is not None:
        job = wb.jobs.get(body.job_id)
        if job is None or job.kind != "fit" or job.status != "done":
            raise HTTPException(400, f"job {body.job_id} is not a finished fit")
        if job.meta.get("measurement_id") != measurement_id:
            raise HTTPException(400, f"job {body.job_id} did not fit measurement {measurement_id}")
        fit = job.result["fit"]
    elif body.fit is not None:
        fit = _checked_fit(body.fit)
    else:
        raise HTTPException(400, "give job_id or fit")
    return clean(wb.data.save_fit(measurement_id, fit, body.user.strip()))


@router.get("/api/export/fit/{job_id}.csv")
def export_fit(job_id: str, wb: Workbench = Depends(workbench)) -> Any:
    """A finished fit's parameters as CSV."""
    job = wb.jobs.get(job_id)
    if job is None or job.status != "done":
        raise HTTPException(404, f"no finished job {job_id[:40]}")
    fit = job.result["fit"]
    params = fit["parameters"]
    meta = [fit.get("circuit"), fit.get("weighting"), fit.get("chi2"), fit.get("status", "ok"), fit.get("n_points")]
    rows = [[n, p.get("value"), p.get("stderr"), p.get("unit"), *meta] for n, p in params.items()]
    mid = job.meta.get("measurement_id")
    safe = "".join(c if c.isalnum() else "_" for c in str(fit.get("circuit", "")))[:60]
    return csv_response(["parameter", "value", "stderr", "unit", "circuit", "weighting", "chi2", "status", "n_points"],
                        rows, f"fit-measurement{mid}-{safe}.csv")
