"""Reading the results database: analyses as dicts, and a tidy table for reports.

Example
-------
>>> import sselab.store as store  # doctest: +SKIP
>>> with store.open("results.sqlite") as db:  # doctest: +SKIP
...     db.table(sample="HP", method="eis_fit")
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Select, Table, select, tuple_

from .records import AnalysisKey
from .schema import Analysis, AnalysisMeasurement, Figure, Measurement, ResultValue, Sample

if TYPE_CHECKING:  # pandas loads in ~0.4 s: only when a table is asked for
    import pandas as pd

_S: Table = Sample.__table__  # type: ignore[assignment]
_M: Table = Measurement.__table__  # type: ignore[assignment]
_A: Table = Analysis.__table__  # type: ignore[assignment]
_L: Table = AnalysisMeasurement.__table__  # type: ignore[assignment]
_V: Table = ResultValue.__table__  # type: ignore[assignment]
_F: Table = Figure.__table__  # type: ignore[assignment]

#: Columns of :func:`tidy_table`, in order.
TABLE_COLUMNS = [
    "analysis_id", "study", "sample", "method", "task_id", "technique", "cell_stack",
    "temperature_K", "voltage_V", "path", "name", "value", "stderr", "unit", "status",
    "message", "accepted", "sselab_version", "updated_at",
]


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def _filtered(stmt: Select, study: str | None, sample: str | None, method: str | None,
              status: str | None) -> Select:
    if study is not None:
        stmt = stmt.where(_S.c.study == study)
    if sample is not None:
        stmt = stmt.where(_S.c.name == sample)
    if method is not None:
        stmt = stmt.where(_A.c.method == method)
    if status is not None:
        stmt = stmt.where(_A.c.status == status)
    return stmt


def _with_reading(d: dict[str, Any]) -> dict[str, Any]:
    """``d`` with ``reading_verdict``: ``{status, reasons}`` of its reading, or None if unknown."""
    status = d.get("reading_status")
    d["reading_verdict"] = None if status is None else {"status": status, "reasons": d.get("reading_reasons") or []}
    return d


def _measurements(conn: Connection, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = conn.execute(
        select(_L.c.analysis_id, _M.c.path, _M.c.item, _M.c.technique, _M.c.cell_stack,
               _M.c.temperature_K, _M.c.voltage_V, _M.c.input_hash, _M.c.reader,
               _M.c.reading_status, _M.c.reading_reasons)
        .join(_M, _M.c.id == _L.c.measurement_id)
        .where(_L.c.analysis_id.in_(ids))
        .order_by(_L.c.analysis_id, _L.c.position)
    ).mappings()
    for r in rows:
        d = _with_reading(dict(r))
        out[d.pop("analysis_id")].append(d)
    return out


def _stable_order(conn: Connection) -> tuple[Any, ...]:
    """The order analyses are listed in: by task id (those without one last), then oldest first.

    The same in every run of a study: a run with ``--jobs N`` stores its tasks in the order they
    finish, which the row ids follow, so ordering by id alone would differ from run to run.
    Within a task id (reruns with other settings or code) the oldest comes first, so a consumer
    keeping the last one per task (:func:`verdict_counts`) keeps the latest.  Task ids compare
    byte by byte on every backend (SQLite's default; PostgreSQL's ``"C"`` collation, not the
    database's locale, which would list ``a`` before ``B``, ``a-b`` after ``a_c``).
    """
    task_id = _A.c.task_id
    if conn.dialect.name == "postgresql":
        task_id = task_id.collate("C")
    return (_A.c.task_id.is_(None), task_id, _A.c.id)


def analyses(conn: Connection, *, study: str | None = None, sample: str | None = None,
             method: str | None = None, status: str | None = None,
             ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Analyses with their sample, measurements, values and figures, in :func:`_stable_order`
    (by task id, each task's oldest first)."""
    stmt = select(_A, _S.c.study, _S.c.name.label("sample")).outerjoin(_S, _S.c.id == _A.c.sample_id)
    stmt = _filtered(stmt, study, sample, method, status).order_by(*_stable_order(conn))
    if ids is not None:
        stmt = stmt.where(_A.c.id.in_(list(ids)))
    rows = [dict(r) for r in conn.execute(stmt).mappings()]
    aids = [r["id"] for r in rows]
    meas = _measurements(conn, aids)
    values: dict[int, list[dict[str, Any]]] = {i: [] for i in aids}
    figures: dict[int, list[dict[str, Any]]] = {i: [] for i in aids}
    if aids:
        for v in conn.execute(select(_V).where(_V.c.analysis_id.in_(aids)).order_by(_V.c.position)).mappings():
            values[v["analysis_id"]].append({k: v[k] for k in ("name", "value", "stderr", "unit")})
        for f in conn.execute(select(_F).where(_F.c.analysis_id.in_(aids)).order_by(_F.c.id)).mappings():
            figures[f["analysis_id"]].append({"name": f["name"], "path": f["path"]})
    for r in rows:
        for k in ("created_at", "updated_at", "accepted_at"):
            r[k] = _iso(r[k])
        r["accepted"] = bool(r["accepted"])
        r["measurements"] = meas[r["id"]]
        r["values"] = values[r["id"]]
        r["figures"] = figures[r["id"]]
    return rows


def verdicts(conn: Connection, *, study: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    """Analyses as :func:`verdict_counts` needs them, in :func:`_stable_order`: ``task_id`` and ``result``
    holding only the result's ``status`` and ``reasons`` (each when present).  The two are read
    by the database's JSON functions, so the (large) stored results are not parsed."""
    res = _A.c.result
    stmt = select(_A.c.task_id, res["status"].as_string().label("v_status"),
                  res["reasons"].label("v_reasons")).outerjoin(_S, _S.c.id == _A.c.sample_id)
    stmt = _filtered(stmt, study, None, None, status).order_by(*_stable_order(conn))
    out = []
    for task_id, v_status, v_reasons in conn.execute(stmt):
        result: dict[str, Any] = {}
        if v_status is not None:
            result["status"] = v_status
        if v_reasons is not None:
            result["reasons"] = v_reasons
        out.append({"task_id": task_id, "result": result})
    return out


def measurements(conn: Connection, *, study: str | None = None, sample: str | None = None,
                 technique: str | None = None, ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Measurements with their sample and a summary of the analyses that used them.

    Ordered by study, sample, temperature, path and item.  Each dict holds the measurement's
    columns (``id``, ``path``, ``item``, ``technique``, ``cell_stack``, ``temperature_K``,
    ``voltage_V``, ``input_hash``, ``reader``, ``created_at``, ``reading_status``,
    ``reading_reasons`` and ``reading_verdict``: ``{status, reasons}`` of how the file was read,
    None when not known), its sample (``sample_id``,
    ``study``, ``sample``, ``treatment``, ``thickness_m``, ``area_m2``) and ``analyses``: one
    ``{id, method, status, message, accepted, accepted_by, accepted_at}`` per analysis that
    used it, oldest first.
    """
    stmt = (select(_M, _S.c.study, _S.c.name.label("sample"), _S.c.treatment, _S.c.thickness_m, _S.c.area_m2)
            .join(_S, _S.c.id == _M.c.sample_id))
    stmt = _filtered(stmt, study, sample, None, None)
    if technique is not None:
        stmt = stmt.where(_M.c.technique == technique)
    if ids is not None:
        stmt = stmt.where(_M.c.id.in_(list(ids)))
    stmt = stmt.order_by(_S.c.study, _S.c.name, _M.c.temperature_K, _M.c.path, _M.c.item, _M.c.id)
    rows = [dict(r) for r in conn.execute(stmt).mappings()]
    by_id: dict[int, list[dict[str, Any]]] = {r["id"]: [] for r in rows}
    if by_id:
        links = conn.execute(
            select(_L.c.measurement_id, _A.c.id, _A.c.method, _A.c.status, _A.c.message, _A.c.accepted,
                   _A.c.accepted_by, _A.c.accepted_at)
            .join(_A, _A.c.id == _L.c.analysis_id)
            .where(_L.c.measurement_id.in_(list(by_id)))
            .order_by(_A.c.id)
        ).mappings()
        for link in links:
            d = dict(link)
            d["accepted"] = bool(d["accepted"])
            d["accepted_at"] = _iso(d["accepted_at"])
            by_id[d.pop("measurement_id")].append(d)
    for r in rows:
        r["created_at"] = _iso(r["created_at"])
        r["analyses"] = by_id[r["id"]]
        _with_reading(r)
    return rows


def _common(items: list[dict[str, Any]], key: str) -> Any:
    found = {m[key] for m in items}
    return found.pop() if len(found) == 1 else None


def tidy_table(conn: Connection, *, study: str | None = None, sample: str | None = None,
               method: str | None = None) -> pd.DataFrame:
    """One row per (analysis, scalar value), columns :data:`TABLE_COLUMNS`.

    Measurement columns hold the value shared by all of an analysis's inputs (``None`` where
    they differ, e.g. ``temperature_K`` of an Arrhenius fit); ``path`` is the single input's
    path or ``"<n files>"``.  A failed analysis appears once, with no value and its message.
    """
    records = []
    for a in analyses(conn, study=study, sample=sample, method=method):
        ms = a["measurements"]
        base = {
            "analysis_id": a["id"], "study": a["study"], "sample": a["sample"], "method": a["method"],
            "task_id": a["task_id"],
            **{k: _common(ms, k) for k in ("technique", "cell_stack", "temperature_K", "voltage_V")},
            "path": ms[0]["path"] if len(ms) == 1 else (f"<{len(ms)} files>" if ms else None),
            "status": a["status"], "message": a["message"], "accepted": a["accepted"],
            "sselab_version": a["sselab_version"], "updated_at": a["updated_at"],
        }
        if not a["values"]:
            records.append({**base, "name": None, "value": None, "stderr": None, "unit": None})
        for v in a["values"]:
            records.append({**base, **v})
    import pandas as pd

    frame = pd.DataFrame.from_records(records, columns=TABLE_COLUMNS)
    for col in ("temperature_K", "voltage_V", "value", "stderr"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    return frame


def done_keys(conn: Connection, keys: Iterable[AnalysisKey], include_errors: bool = False) -> set[AnalysisKey]:
    """The subset of ``keys`` already in the store (status ``ok`` unless ``include_errors``)."""
    wanted = list(dict.fromkeys(AnalysisKey(*k) for k in keys))
    found: set[AnalysisKey] = set()
    cols = (_A.c.input_hash, _A.c.method, _A.c.settings_hash, _A.c.sselab_version)
    for start in range(0, len(wanted), 200):
        chunk = wanted[start:start + 200]
        stmt = select(*cols).where(tuple_(*cols).in_([tuple(k) for k in chunk]))
        if not include_errors:
            stmt = stmt.where(_A.c.status == "ok")
        found.update(AnalysisKey(*r) for r in conn.execute(stmt))
    return found


def verdict_counts(stored: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """How many of ``stored`` analyses (as :func:`analyses` returns them: each task's oldest first) are ok /
    warning / failed by their result's verdict — the latest of each task counted once — and the
    first failing reason of each failed one (``failed_results``: task id → message)."""
    latest = {str(a.get("task_id")): a for a in stored}
    counts: dict[str, Any] = {"ok": 0, "warning": 0, "failed": 0, "failed_results": {}}
    for task_id, a in latest.items():
        res = a.get("result") or {}
        status = res.get("status", "ok") if isinstance(res, dict) else "ok"
        counts[status if status in ("ok", "warning", "failed") else "ok"] += 1
        if status == "failed":
            counts["failed_results"][task_id] = next(
                (r.get("message", "") for r in res.get("reasons") or [] if r.get("severity") == "failed"), "")
    return counts
