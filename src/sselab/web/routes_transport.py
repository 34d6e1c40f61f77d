"""Transport routes: Arrhenius series of several samples and the transport table, from the store.

Whatever wrote them (the study pipeline, the CLI), results are recognised by their keys:
an analysis whose result (or its ``arrhenius`` block, as in the pipeline's electron-blocking
deconvolution) has ``Ea_eV`` and a ``data`` list of ``{temperature_K, sigma_S_per_cm}`` is an Arrhenius fit (its line comes from
:meth:`sselab.transport.arrhenius.ArrheniusResult.predict`); a stored scalar
``sigma_S_per_cm`` with a measurement temperature is a conductivity point.

Example
-------
>>> sorted(r.path for r in router.routes)
['/api/arrhenius', '/api/export/transport.csv', '/api/transport']
"""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter, Depends
from fastapi.responses import Response

from ..transport.arrhenius import ArrheniusResult
from .context import Workbench, clean, workbench
from .routes_study import csv_response

router = APIRouter()
TABLE_NAMES = ("sigma_S_per_cm", "sigma_stderr_S_per_cm", "Ea_eV", "Ea_stderr_eV", "sigma_25C_S_per_cm",
               "t_ion", "sigma_e_S_per_cm", "r_squared", "resistance_ohm")


def _line(result: dict[str, Any], temps: list[float]) -> dict[str, list[float]]:
    conv = result.get("convention") or "sigma"
    model = ArrheniusResult(
        convention=conv, Ea_eV=float(result["Ea_eV"]), Ea_stderr_eV=None, prefactor=float(result["prefactor"]),
        prefactor_stderr=None, prefactor_unit="", r_squared=None, sigma_25C_S_per_cm=float("nan"),
        sigma_25C_ci95_S_per_cm=None, temperature_K=(), sigma_S_per_cm=(), sigma_stderr_S_per_cm=None,
        weighted=False,
    )
    t = np.linspace(min(temps), max(temps), 30)
    return {"temperature_K": t.tolist(), "sigma_S_per_cm": model.predict(t).tolist()}


def arrhenius_series(wb: Workbench) -> list[dict[str, Any]]:
    """One series per sample: points (T, σ) and, when an Arrhenius fit is stored, its line."""
    series: dict[str, dict[str, Any]] = {}
    # newest stored analysis of a sample wins (the store lists by task id; ids grow with time)
    for a in sorted(wb.data.store.analyses(status="ok"), key=lambda a: a["id"]):
        r = a.get("result") or {}
        if isinstance(r.get("arrhenius"), dict):  # a deconvolution carries its Arrhenius fit of σ_ion
            r = r["arrhenius"]
        data = r.get("data")
        if "Ea_eV" in r and isinstance(data, list) and data and r.get("prefactor") is not None:
            temps = [d["temperature_K"] for d in data if d.get("temperature_K") and d.get("sigma_S_per_cm")]
            name = a.get("sample") or a.get("task_id") or f"analysis {a['id']}"
            series[name] = {
                "sample": name, "analysis_id": a["id"], "Ea_eV": r.get("Ea_eV"), "Ea_stderr_eV": r.get("Ea_stderr_eV"),
                "convention": r.get("convention"), "sigma_25C_S_per_cm": r.get("sigma_25C_S_per_cm"),
                "temperature_K": temps,
                "sigma_S_per_cm": [d["sigma_S_per_cm"] for d in data if d.get("temperature_K") and d.get("sigma_S_per_cm")],
                "line": _line(r, temps) if temps else None,
            }
    frame = wb.data.store.table()
    pts = frame[(frame["name"] == "sigma_S_per_cm") & frame["temperature_K"].notna() & (frame["status"] == "ok")]
    for sample, group in pts.groupby("sample"):
        if sample in series:
            continue
        g = group.sort_values("temperature_K")
        series[str(sample)] = {"sample": str(sample), "analysis_id": None, "Ea_eV": None, "convention": None,
                               "temperature_K": g["temperature_K"].tolist(), "sigma_S_per_cm": g["value"].tolist(),
                               "line": None}
    return list(series.values())


def _stderr_partner(name: str) -> str | None:
    """``sigma_stderr_S_per_cm`` → ``sigma_S_per_cm``, ``t_ion_stderr`` → ``t_ion`` (else None)."""
    if "_stderr" not in name:
        return None
    return name.replace("_stderr", "", 1)


def _table(wb: Workbench) -> list[dict[str, Any]]:
    """One row per (analysis, quantity) with its standard error beside it (a stored
    ``*_stderr*`` value goes into the ``stderr`` column of its quantity, not a row of its own)
    and the hold's voltage for DC results."""
    frame = wb.data.store.table()
    frame = frame[frame["name"].isin(TABLE_NAMES) | frame["name"].isin(
        [n for n in frame["name"].unique() if (_stderr_partner(n) or "") in TABLE_NAMES])]
    stderr = {}
    for r in frame.itertuples():
        partner = _stderr_partner(r.name)
        if partner is not None and r.value == r.value:
            stderr[(r.analysis_id, partner)] = r.value
    frame = frame[frame["name"].isin(TABLE_NAMES) & ~frame["name"].map(lambda n: _stderr_partner(n) is not None)]
    frame = frame.sort_values(["sample", "method", "name", "temperature_K", "voltage_V", "analysis_id"], na_position="last")
    cols = ["analysis_id", "sample", "method", "temperature_K", "voltage_V", "name", "value", "stderr", "unit", "accepted"]
    frame = frame[cols].astype(object).where(frame[cols].notna(), None)
    out = []
    for r in frame.values.tolist():
        row = dict(zip(cols, r))
        if row["stderr"] is None:
            row["stderr"] = stderr.get((row["analysis_id"], row["name"]))
        out.append(row)
    from ..report.style import natural_key

    out.sort(key=lambda r: natural_key(r["sample"] or ""))
    return out


@router.get("/api/arrhenius")
def arrhenius(wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """Arrhenius series of every sample with conductivities in the store."""
    return clean({"series": arrhenius_series(wb)})


@router.get("/api/transport")
def transport(wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """The Arrhenius series and the transport table (σ, Ea, t_ion... per analysis)."""
    return clean({"series": arrhenius_series(wb), "table": _table(wb)})


@router.get("/api/export/transport.csv")
def export_transport(wb: Workbench = Depends(workbench)) -> Response:
    """The transport table as CSV."""
    rows = _table(wb)
    cols = list(rows[0]) if rows else ["analysis_id", "sample", "method", "temperature_K", "voltage_V", "name",
                                       "value", "stderr", "unit", "accepted"]
    return csv_response(cols, [[r[c] for c in cols] for r in rows], "transport.csv")
