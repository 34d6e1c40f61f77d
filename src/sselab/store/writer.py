"""Writing task records: idempotent upserts inside the caller's transaction.

Every row is found by its natural key with one ``INSERT ... ON CONFLICT (key) DO UPDATE ...
RETURNING id``, which is race-free on both SQLite (writers are serialised by ``BEGIN
IMMEDIATE``) and PostgreSQL (a concurrent insert of the same key waits for the other
transaction).  The analysis row keeps its ``id``, ``created_at`` and accepted flag when
re-written; its values, figures and measurement links are replaced, so a re-run leaves exactly
one copy of each.  :func:`write_records` writes many records in the caller's one transaction
(the pipeline commits a batch at a time): samples and measurements shared by the batch are
upserted once, in a fixed order, and the child rows of all its analyses are replaced with one
statement per table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select, update

from ..exceptions import StoreError
from .jsonio import jsonable
from .records import AnalysisRecord, MeasurementInfo, SampleInfo
from .schema import Analysis, AnalysisMeasurement, Figure, Measurement, ResultValue, Sample

_SAMPLES: Table = Sample.__table__  # type: ignore[assignment]
_MEAS: Table = Measurement.__table__  # type: ignore[assignment]
_ANALYSES: Table = Analysis.__table__  # type: ignore[assignment]
_LINKS: Table = AnalysisMeasurement.__table__  # type: ignore[assignment]
_VALUES: Table = ResultValue.__table__  # type: ignore[assignment]
_FIGURES: Table = Figure.__table__  # type: ignore[assignment]
_KEY_COLUMNS = ("input_hash", "method", "settings_hash", "sselab_version")
#: ids per ``IN (...)`` list (well below SQLite's bound-parameter limit)
_CHUNK = 500

__all__ = ["accept", "jsonable", "now", "upsert_measurement", "upsert_sample", "write_record", "write_records"]


def now() -> datetime:
    """The current time in UTC (what every ``*_at`` column holds)."""
    return datetime.now(timezone.utc)


_STATEMENTS: dict[tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...], bool], Any] = {}


def _statement(dialect: str, table: Table, keys: Sequence[str], update_columns: Sequence[str],
               keep_stored: Sequence[str], returning_keys: bool = False) -> Any:
    """The cached ``INSERT ... ON CONFLICT (keys) DO UPDATE ... RETURNING id`` of :func:`_upsert`
    (``returning_keys``: returning the key columns beside the id, for :func:`_upsert_many`)."""
    cache_key = (dialect, table.name, tuple(keys), tuple(update_columns), tuple(keep_stored), returning_keys)
    stmt = _STATEMENTS.get(cache_key)
    if stmt is None:  # built once: building one (with its ``excluded`` alias) costs more than running it
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        elif dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            raise StoreError(f"unsupported database {dialect!r}: use SQLite or PostgreSQL")
        ins = dialect_insert(table)
        set_ = {c: func.coalesce(ins.excluded[c], table.c[c]) if c in keep_stored else ins.excluded[c]
                for c in update_columns}
        returned = [table.c.id] + ([table.c[k] for k in keys] if returning_keys else [])
        stmt = ins.on_conflict_do_update(index_elements=list(keys), set_=set_).returning(*returned)
        _STATEMENTS[cache_key] = stmt
    return stmt


def _upsert(conn: Connection, table: Table, values: dict[str, Any], keys: Sequence[str],
            update_columns: Sequence[str], keep_stored: Sequence[str] = ()) -> int:
    """Insert ``values``, or update ``update_columns`` of the row with the same ``keys``; its id.
    A column in ``keep_stored`` keeps its stored value where the new one is NULL."""
    stmt = _statement(conn.dialect.name, table, keys, update_columns, keep_stored)
    return int(conn.execute(stmt, values).scalar_one())


def _upsert_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str],
                 update_columns: Sequence[str], keep_stored: Sequence[str] = ()) -> list[int]:
    """:func:`_upsert` of every row of ``rows`` (distinct keys), in that order, as a few
    multi-row statements (SQLAlchemy's "insertmanyvalues"); the ids, in order.  Each row's id
    is matched by the key columns the statement returns beside it, not by position."""
    if len(rows) == 1:
        return [_upsert(conn, table, rows[0], keys, update_columns, keep_stored)]
    if not rows:
        return []
    stmt = _statement(conn.dialect.name, table, keys, update_columns, keep_stored, returning_keys=True)
    found = {tuple(row[1:]): int(row[0]) for row in conn.execute(stmt, list(rows))}
    try:
        return [found[tuple(r[k] for k in keys)] for r in rows]
    except KeyError as exc:
        raise StoreError(f"{table.name}: a written row's id was not returned ({exc})") from None


def upsert_sample(conn: Connection, sample: SampleInfo) -> int:
    """Id of the sample ``(study, name)``; its description is updated to the latest given."""
    row = {
        "study": sample.study, "name": sample.name, "treatment": sample.treatment,
        "thickness_m": sample.thickness_m, "area_m2": sample.area_m2, "created_at": now(),
    }
    return _upsert(conn, _SAMPLES, row, ("study", "name"), ("treatment", "thickness_m", "area_m2"))


_MEAS_CONTEXT = ("technique", "cell_stack", "temperature_K", "voltage_V", "reader")
_MEAS_COLUMNS = _MEAS_CONTEXT + ("reading_status", "reading_reasons")


def reading_columns(reading: dict[str, Any] | None) -> dict[str, Any]:
    """``reading_status`` and ``reading_reasons`` of a reading verdict dict (both None if unknown)."""
    if not reading:
        return {"reading_status": None, "reading_reasons": None}
    status = reading.get("status")
    if status not in ("ok", "warning", "failed"):
        raise StoreError(f"reading verdict status must be ok, warning or failed, got {status!r}")
    reasons = [{k: r.get(k) for k in ("code", "message", "severity")} for r in reading.get("reasons") or []]
    return {"reading_status": status, "reading_reasons": reasons}


_MEAS_KEY = ("sample_id", "path", "item", "input_hash")


def _measurement_row(sample_id: int, m: MeasurementInfo) -> dict[str, Any]:
    return {"sample_id": sample_id, "path": m.path, "item": m.item, "input_hash": m.input_hash,
            "created_at": now(), **{k: getattr(m, k) for k in _MEAS_CONTEXT}, **reading_columns(m.reading)}


def upsert_measurement(conn: Connection, sample_id: int, m: MeasurementInfo) -> int:
    """Id of the measurement ``(sample, path, item, input_hash)``; context updated to the latest
    given — a field the new record leaves empty (None) keeps its stored value, so a derived
    analysis listing a file without its temperature does not erase it."""
    return _upsert(conn, _MEAS, _measurement_row(sample_id, m), _MEAS_KEY, _MEAS_COLUMNS, _MEAS_COLUMNS)


def _plain(x: Any) -> Any:
    """:func:`jsonable` of a scalar value, the common cases (a finite float, None) without its walk."""
    if x is None or (type(x) is float and math.isfinite(x)):
        return x
    return jsonable(x)


def _check(rec: AnalysisRecord) -> list[dict[str, Any]]:
    """Validate ``rec`` before anything is written; return its value rows (no analysis id yet)."""
    if rec.status not in ("ok", "error"):
        raise StoreError(f"analysis status must be 'ok' or 'error', got {rec.status!r}")
    if rec.measurements and rec.sample is None:
        raise StoreError("an analysis with measurements needs the sample they belong to")
    values = [
        {"position": i, "name": v.name, "value": _plain(v.value), "stderr": _plain(v.stderr), "unit": v.unit}
        for i, v in enumerate(rec.scalar_values())
    ]
    if len({v["name"] for v in values}) != len(values):
        raise StoreError(f"task {rec.task_id or rec.key}: duplicate scalar value names")
    return values


def write_records(conn: Connection, recs: Sequence[AnalysisRecord]) -> list[int]:
    """Write ``recs`` (samples, measurements, analyses, values, figures); return the analysis ids.

    The same rows as :func:`write_record` on each in turn: a sample's and a measurement's
    description, and a key's analysis, are those of the last record that has them.  Every
    record is checked before anything is written.  Rows are upserted samples first, then
    measurements, then analyses, each in sorted key order, so concurrent writers (PostgreSQL
    row locks) always lock in the same order and cannot deadlock.
    """
    checked = [_check(rec) for rec in recs]
    samples: dict[tuple[str, str], SampleInfo] = {}
    measurements: dict[tuple[tuple[str, str], str, int, str], MeasurementInfo] = {}
    last: dict[tuple[str, ...], int] = {}
    for i, rec in enumerate(recs):
        if rec.sample is not None:
            skey = (rec.sample.study, rec.sample.name)
            samples[skey] = rec.sample
            for m in rec.measurements:
                measurements[(skey, m.path, m.item, m.input_hash)] = m
        last[tuple(rec.key)] = i
    sample_ids = {k: upsert_sample(conn, samples[k]) for k in sorted(samples)}
    # measurements and analyses: a few multi-row upserts each, rows in sorted key order
    order = sorted(measurements)
    ids = _upsert_many(conn, _MEAS, [_measurement_row(sample_ids[k[0]], measurements[k]) for k in order],
                       _MEAS_KEY, _MEAS_COLUMNS, _MEAS_COLUMNS)
    meas_ids = dict(zip(order, ids))
    content_columns = ("task_id", "sample_id", "settings", "status", "message", "result", "duration_s",
                       "updated_at")
    rows = []
    for key in sorted(last):
        rec = recs[last[key]]
        stamp = now()
        rows.append({
            **rec.key._asdict(), "task_id": rec.task_id,
            "sample_id": None if rec.sample is None else sample_ids[(rec.sample.study, rec.sample.name)],
            "settings": rec.settings, "status": rec.status, "message": rec.message, "result": rec.result,
            "duration_s": rec.duration_s, "updated_at": stamp, "created_at": stamp, "accepted": False,
        })
    by_key = dict(zip(sorted(last), _upsert_many(conn, _ANALYSES, rows, _KEY_COLUMNS, content_columns)))
    unique = [by_key[k] for k in sorted(last)]
    for table in (_LINKS, _VALUES, _FIGURES):
        for start in range(0, len(unique), _CHUNK):
            conn.execute(delete(table).where(table.c.analysis_id.in_(unique[start:start + _CHUNK])))
    links, values_rows, figures = [], [], []
    for key, i in last.items():
        rec, aid = recs[i], by_key[key]
        seen: set[int] = set()
        for pos, m in enumerate(rec.measurements):
            mid = meas_ids[((rec.sample.study, rec.sample.name), m.path, m.item, m.input_hash)]  # type: ignore[union-attr]
            if mid not in seen:
                seen.add(mid)
                links.append({"analysis_id": aid, "measurement_id": mid, "position": pos})
        values_rows.extend({"analysis_id": aid, **v} for v in checked[i])
        figures.extend({"analysis_id": aid, "name": n, "path": str(p)} for n, p in rec.figures)
    for table, rows in ((_LINKS, links), (_VALUES, values_rows), (_FIGURES, figures)):
        if rows:
            conn.execute(insert(table), rows)
    return [by_key[tuple(rec.key)] for rec in recs]


def write_record(conn: Connection, rec: AnalysisRecord) -> int:
    """Write ``rec`` (sample, measurements, analysis, values, figures); return the analysis id."""
    return write_records(conn, [rec])[0]


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
