"""Writing one task's record: idempotent upserts inside the caller's transaction.

Every row is found by its natural key with ``INSERT ... ON CONFLICT DO NOTHING`` followed by a
``SELECT``, which is race-free on both SQLite (writers are serialised by ``BEGIN IMMEDIATE``)
and PostgreSQL (a concurrent insert of the same key waits for the other transaction).  The
analysis row keeps its ``id``, ``created_at`` and accepted flag when re-written; its values,
figures and measurement links are replaced, so a re-run leaves exactly one copy of each.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, Table, and_, delete, insert, select, update

from ..exceptions import StoreError
from .records import AnalysisRecord, MeasurementInfo, SampleInfo
from .schema import Analysis, AnalysisMeasurement, Figure, Measurement, ResultValue, Sample

_SAMPLES: Table = Sample.__table__  # type: ignore[assignment]
_MEAS: Table = Measurement.__table__  # type: ignore[assignment]
_ANALYSES: Table = Analysis.__table__  # type: ignore[assignment]
_LINKS: Table = AnalysisMeasurement.__table__  # type: ignore[assignment]
_VALUES: Table = ResultValue.__table__  # type: ignore[assignment]
_FIGURES: Table = Figure.__table__  # type: ignore[assignment]


def now() -> datetime:
    """The current time in UTC (what every ``*_at`` column holds)."""
    return datetime.now(timezone.utc)


def jsonable(obj: Any) -> Any:
    """A copy of ``obj`` that every JSON column accepts: NaN/inf → None, numpy → plain types."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if hasattr(obj, "tolist") and callable(obj.tolist):  # numpy arrays and scalars
        return jsonable(obj.tolist())
    if isinstance(obj, bool) or obj is None or isinstance(obj, (str, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    raise StoreError(f"cannot store a value of type {type(obj).__name__} in a JSON column: {obj!r}")


def _insert_ignore(conn: Connection, table: Table, values: dict[str, Any], keys: list[str]) -> int:
    """Insert ``values`` unless a row with the same ``keys`` exists; return that row's id."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        raise StoreError(f"unsupported database {dialect!r}: use SQLite or PostgreSQL")
    conn.execute(dialect_insert(table).values(**values).on_conflict_do_nothing(index_elements=keys))
    where = and_(*(table.c[k] == values[k] for k in keys))
    row_id = conn.execute(select(table.c.id).where(where)).scalar_one()
    return int(row_id)


def upsert_sample(conn: Connection, sample: SampleInfo) -> int:
    """Id of the sample ``(study, name)``; its description is updated to the latest given."""
    row = {
        "study": sample.study, "name": sample.name, "treatment": sample.treatment,
        "thickness_m": sample.thickness_m, "area_m2": sample.area_m2, "created_at": now(),
    }
    sid = _insert_ignore(conn, _SAMPLES, row, ["study", "name"])
    conn.execute(
        update(_SAMPLES).where(_SAMPLES.c.id == sid).values(
            treatment=sample.treatment, thickness_m=sample.thickness_m, area_m2=sample.area_m2
        )
    )
    return sid


def upsert_measurement(conn: Connection, sample_id: int, m: MeasurementInfo) -> int:
    """Id of the measurement ``(sample, path, item, input_hash)``; context updated to the latest."""
    context = {
        "technique": m.technique, "cell_stack": m.cell_stack, "temperature_K": m.temperature_K,
        "voltage_V": m.voltage_V, "reader": m.reader,
    }
    row = {"sample_id": sample_id, "path": m.path, "item": m.item, "input_hash": m.input_hash,
           "created_at": now(), **context}
    mid = _insert_ignore(conn, _MEAS, row, ["sample_id", "path", "item", "input_hash"])
    conn.execute(update(_MEAS).where(_MEAS.c.id == mid).values(**context))
    return mid


def write_record(conn: Connection, rec: AnalysisRecord) -> int:
    """Write ``rec`` (sample, measurements, analysis, values, figures); return the analysis id."""
    if rec.status not in ("ok", "error"):
        raise StoreError(f"analysis status must be 'ok' or 'error', got {rec.status!r}")
    if rec.measurements and rec.sample is None:
        raise StoreError("an analysis with measurements needs the sample they belong to")
    sample_id = upsert_sample(conn, rec.sample) if rec.sample is not None else None
    measurement_ids = [upsert_measurement(conn, sample_id, m) for m in rec.measurements]  # type: ignore[arg-type]
    stamp = now()
    content = {
        "task_id": rec.task_id, "sample_id": sample_id, "settings": jsonable(rec.settings),
        "status": rec.status, "message": rec.message,
        "result": jsonable(rec.result) if rec.result is not None else None,
        "duration_s": rec.duration_s, "updated_at": stamp,
    }
    key = rec.key._asdict()
    aid = _insert_ignore(
        conn, _ANALYSES, {**key, **content, "created_at": stamp, "accepted": False}, list(key)
    )
    conn.execute(update(_ANALYSES).where(_ANALYSES.c.id == aid).values(**content))
    for table in (_LINKS, _VALUES, _FIGURES):
        conn.execute(delete(table).where(table.c.analysis_id == aid))
    seen: set[int] = set()
    links = []
    for pos, mid in enumerate(measurement_ids):
        if mid not in seen:
            seen.add(mid)
            links.append({"analysis_id": aid, "measurement_id": mid, "position": pos})
    if links:
        conn.execute(insert(_LINKS), links)
    values = [
        {"analysis_id": aid, "position": i, "name": v.name, "value": jsonable(v.value),
         "stderr": jsonable(v.stderr), "unit": v.unit}
        for i, v in enumerate(rec.scalar_values())
    ]
    if len({v["name"] for v in values}) != len(values):
        raise StoreError(f"task {rec.task_id or rec.key}: duplicate scalar value names")
    if values:
        conn.execute(insert(_VALUES), values)
    if rec.figures:
        conn.execute(insert(_FIGURES), [{"analysis_id": aid, "name": n, "path": str(p)} for n, p in rec.figures])
    return aid


def accept(conn: Connection, analysis_id: int, by: str, at: datetime | None = None) -> None:
    """Mark an analysis as the user-accepted one of its sample, method and inputs.

    Any other accepted analysis of the same sample and method over the same measurements
    (e.g. an earlier accepted fit with another circuit) loses the flag.
    """
    row = conn.execute(
        select(_ANALYSES.c.sample_id, _ANALYSES.c.method).where(_ANALYSES.c.id == analysis_id)
    ).one_or_none()
    if row is None:
        raise StoreError(f"no analysis with id {analysis_id}")
    mine = set(conn.execute(select(_LINKS.c.measurement_id).where(_LINKS.c.analysis_id == analysis_id)).scalars())
    others = conn.execute(
        select(_ANALYSES.c.id).where(
            _ANALYSES.c.method == row.method,
            _ANALYSES.c.sample_id.is_(None) if row.sample_id is None else _ANALYSES.c.sample_id == row.sample_id,
            _ANALYSES.c.accepted.is_(True), _ANALYSES.c.id != analysis_id,
        )
    ).scalars().all()
    for other in others:
        theirs = set(conn.execute(select(_LINKS.c.measurement_id).where(_LINKS.c.analysis_id == other)).scalars())
        if theirs == mine:
            conn.execute(update(_ANALYSES).where(_ANALYSES.c.id == other).values(
                accepted=False, accepted_by=None, accepted_at=None))
    conn.execute(update(_ANALYSES).where(_ANALYSES.c.id == analysis_id).values(
        accepted=True, accepted_by=by, accepted_at=at or now()))
