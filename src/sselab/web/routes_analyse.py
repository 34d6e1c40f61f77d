"""Analyse any stored measurement from the browser with the pipeline's own executors.

``POST /api/analyse`` takes a measurement id and the settings of its technique (the same keys
as the manifest's ``analysis.<technique>`` block, validated by the same pydantic model, with
the same defaults) and runs the task ``sselab run`` would run for that file, in the background;
the result is stored exactly as the pipeline stores it, so it appears in the technique's view
and in ``sselab results``.  ``GET /api/analyse/options/{id}`` says what can be chosen: the
settings model's defaults, the XRD phase library, an XPS file's regions.

Example
-------
>>> sorted(r.path for r in router.routes)
['/api/analyse', '/api/analyse/options/{measurement_id}']
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..exceptions import SselabError, StoreError
from .context import Workbench, clean, workbench
from .routes_microscopy import result_summary

router = APIRouter()

#: The view that shows each technique's stored results.
VIEW_OF = {"xrd": "#/xrd", "xps": "#/xps", "cycling": "#/cycling", "cv": "#/cycling", "dc": "#/transport",
           "eis": None, "sem": None, "eds": None}


class AnalyseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    measurement_id: int = Field(ge=1, lt=2**62)
    settings: dict[str, Any] = Field(default_factory=dict)


def _pydantic_message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(x) for x in first.get("loc", ())) or "settings"
    return f"settings.{where}: {first.get('msg', 'invalid')}"[:300]


@router.get("/api/analyse/options/{measurement_id}")
def options(measurement_id: int, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """The technique's settings with their defaults, and the choices a form offers."""
    from ..study.settings import SETTINGS_MODELS

    try:
        row = wb.data.measurement(measurement_id)
    except StoreError as exc:
        raise HTTPException(404, str(exc)) from None
    technique = row["technique"]
    model = SETTINGS_MODELS.get(technique)
    if model is None:
        raise HTTPException(400, f"no analysis for technique {technique!r}")
    out: dict[str, Any] = {"technique": technique, "defaults": model().model_dump(mode="json"),
                           "view": VIEW_OF.get(technique)}
    if technique == "xrd":
        from ..xrd.library import BUILTIN

        out["phases"] = sorted(BUILTIN)
    if technique == "xps":
        try:
            _, acq = wb.data.load(measurement_id)
            out["regions"] = [r.name for r in getattr(acq, "regions", ())]
        except SselabError as exc:
            out["regions"], out["error"] = [], str(exc).splitlines()[0]
    return clean(out)


@router.post("/api/analyse", status_code=202)
def analyse(body: AnalyseBody, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """Validate the settings now (400 with the first problem), run the task in the background."""
    from ..study import analyses  # noqa: F401  (registers the executors)
    from ..study.tasks import run_task

    try:
        task, row = wb.data.analysis_task(body.measurement_id, body.settings)
    except ValidationError as exc:
        raise HTTPException(400, _pydantic_message(exc)) from None
    except StoreError as exc:
        raise HTTPException(404 if "no measurement" in str(exc) else 400, str(exc).splitlines()[0]) from None

    def work(progress: Any) -> dict[str, Any]:
        progress(f"{task.kind} of {row['path']}", 5)
        t0 = time.perf_counter()
        try:
            result = run_task(task)
        except SselabError as exc:
            message = (str(exc).splitlines() or [type(exc).__name__])[0]
            wb.data.save_analysis(task, row, None, message, time.perf_counter() - t0)
            raise
        aid = wb.data.save_analysis(task, row, result, None, time.perf_counter() - t0)
        return clean({"analysis_id": aid, "kind": task.kind, "view": VIEW_OF.get(row["technique"]),
                      "status": result.get("status", "ok"), "reasons": result.get("reasons", []),
                      "summary": result_summary(result)})

    job = wb.jobs.submit("analyse", work, measurement_id=body.measurement_id)
    return {"job_id": job.id, "status": job.status}
