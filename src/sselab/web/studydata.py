"""Adapter between the web layer and :mod:`sselab.store`.

The store's public API writes whole analysis records and reads analyses; the workbench also
needs to *list measurements* (with their ids) and to *add a measurement without an analysis*
(an upload).  Both are done here and nowhere else:

- listing reads the store's tables read-only through ``store.engine``
  (:mod:`sselab.store.schema`), since ``Store`` has no measurement query yet;
- an upload is written as an ``"import"`` analysis (result: reader, points, kind) through
  :meth:`Store.record`, which is how a measurement gets into the store in one transaction;
- an accepted fit is an ``"eis_fit"`` analysis written with :meth:`Store.record` and then
  marked with :meth:`Store.accept` (who/when); each is one store transaction, so concurrent
  saves queue on the database lock instead of corrupting it.

Example
-------
>>> data = StudyData(store, root)          # doctest: +SKIP
>>> data.samples()[0]["measurements"][0]["status"]   # doctest: +SKIP
'imported'
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Table, select

from .. import __version__
from ..exceptions import StoreError
from ..store import AnalysisKey, AnalysisRecord, MeasurementInfo, SampleInfo, Store
from ..store.schema import Analysis, AnalysisMeasurement, Measurement, Sample

_S: Table = Sample.__table__  # type: ignore[assignment]
_M: Table = Measurement.__table__  # type: ignore[assignment]
_A: Table = Analysis.__table__  # type: ignore[assignment]
_L: Table = AnalysisMeasurement.__table__  # type: ignore[assignment]

#: Measurement kind (reader) → technique name used in the store and manifest.
TECHNIQUE_OF_KIND = {
    "spectrum": "eis", "transient": "dc", "galvanostatic": "cycling", "voltammogram": "cv",
    "diffraction": "xrd", "xps": "xps",
}
KIND_OF_TECHNIQUE = {v: k for k, v in TECHNIQUE_OF_KIND.items()}
IMPORT_METHOD = "import"
FIT_METHOD = "eis_fit"


def file_hash(path: Path) -> str:
    """SHA-256 of a file's content (the store's ``input_hash``)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def settings_hash(settings: dict[str, Any]) -> str:
    """SHA-256 of canonical JSON settings."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()


def _status(analyses: list[dict[str, Any]]) -> str:
    methods = [a for a in analyses if a["method"] != IMPORT_METHOD]
    if any(a["accepted"] for a in methods):
        return "accepted"
    if any(a["status"] == "error" for a in methods):
        return "error"
    if methods:
        return "analysed"
    return "imported"


class StudyData:
    """The study as the workbench sees it: a :class:`Store` plus the study folder."""

    def __init__(self, store: Store, root: Path, study: str = "study") -> None:
        self.store = store
        self.root = root
        self.study = study

    # -- reading ----------------------------------------------------------------------------
    def study_name(self) -> str:
        """The study of the samples already stored when there is exactly one, else the configured name."""
        names = {r["study"] for r in self._rows(select(_S.c.study).distinct())}
        return names.pop() if len(names) == 1 else self.study

    def _rows(self, stmt: Any) -> list[dict[str, Any]]:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self.store.engine.connect() as conn:
                return [dict(r) for r in conn.execute(stmt).mappings()]
        except SQLAlchemyError as exc:
            raise StoreError(f"reading the study failed: {str(getattr(exc, 'orig', exc)).splitlines()[0]}") from exc

    def samples(self) -> list[dict[str, Any]]:
        """Samples with their measurements, each with its analyses and a status."""
        samples = self._rows(select(_S).order_by(_S.c.study, _S.c.name))
        meas = self._rows(select(_M).order_by(_M.c.temperature_K, _M.c.path, _M.c.item))
        links = self._rows(
            select(_L.c.measurement_id, _A.c.id, _A.c.method, _A.c.status, _A.c.accepted,
                   _A.c.accepted_by, _A.c.accepted_at, _A.c.message)
            .join(_A, _A.c.id == _L.c.analysis_id).order_by(_A.c.id)
        )
        by_meas: dict[int, list[dict[str, Any]]] = {}
        for link in links:
            mid = link.pop("measurement_id")
            link["accepted"] = bool(link["accepted"])
            link["accepted_at"] = link["accepted_at"].isoformat() if link["accepted_at"] else None
            by_meas.setdefault(mid, []).append(link)
        out = []
        for s in samples:
            items = []
            for m in meas:
                if m["sample_id"] != s["id"]:
                    continue
                analyses = by_meas.get(m["id"], [])
                items.append({
                    "id": m["id"], "path": m["path"], "item": m["item"], "technique": m["technique"],
                    "cell_stack": m["cell_stack"], "temperature_K": m["temperature_K"],
                    "voltage_V": m["voltage_V"], "reader": m["reader"],
                    "analyses": analyses, "status": _status(analyses),
                })
            out.append({k: s[k] for k in ("id", "study", "name", "treatment", "thickness_m", "area_m2")}
                       | {"measurements": items})
        return out

    def measurement(self, measurement_id: int) -> dict[str, Any]:
        """One measurement row with its sample; :class:`StoreError` if there is none."""
        rows = self._rows(
            select(_M, _S.c.study, _S.c.name.label("sample"), _S.c.treatment, _S.c.thickness_m, _S.c.area_m2)
            .join(_S, _S.c.id == _M.c.sample_id).where(_M.c.id == measurement_id)
        )
        if not rows:
            raise StoreError(f"no measurement with id {measurement_id}")
        return rows[0]

    def analyses_of(self, measurement_id: int, method: str | None = None) -> list[dict[str, Any]]:
        """Full analyses (as :meth:`Store.get` returns them) that used this measurement."""
        stmt = select(_L.c.analysis_id).where(_L.c.measurement_id == measurement_id)
        ids = [r["analysis_id"] for r in self._rows(stmt)]
        found = [self.store.get(i) for i in ids]
        return [a for a in found if method is None or a["method"] == method]

    def file_of(self, row: dict[str, Any]) -> Path:
        """The file of a measurement row (paths are relative to the study folder)."""
        p = Path(row["path"])
        return p if p.is_absolute() else self.root / p

    def load(self, measurement_id: int) -> tuple[dict[str, Any], Any]:
        """(row, measurement object) read from the file with the registered readers."""
        from ..io import read

        row = self.measurement(measurement_id)
        kind = KIND_OF_TECHNIQUE.get(row["technique"])
        items = read(self.file_of(row), kind)
        index = min(int(row["item"] or 0), len(items) - 1)
        return row, items[index]

    # -- writing ----------------------------------------------------------------------------
    def import_file(self, path: Path, sample: str, measurements: list[Any], reader_kind: str) -> list[int]:
        """Record an uploaded file (one measurement per item) and return the measurement ids."""
        rel = path.resolve().relative_to(self.root.resolve()).as_posix()
        digest = file_hash(path)
        technique = TECHNIQUE_OF_KIND.get(reader_kind, reader_kind)
        infos = tuple(
            MeasurementInfo(path=rel, technique=technique, input_hash=digest, item=i,
                            temperature_K=getattr(m, "temperature_K", None), reader=getattr(m, "instrument", None))
            for i, m in enumerate(measurements)
        )
        settings = {"path": rel, "sample": sample}
        rec = AnalysisRecord(
            key=AnalysisKey(digest, IMPORT_METHOD, settings_hash(settings), __version__),
            sample=SampleInfo(study=self.study_name(), name=sample), measurements=infos, settings=settings,
            result={"kind": reader_kind, "n_items": len(measurements), "reader": infos[0].reader if infos else None},
            values=(), task_id=f"{sample}/upload/{rel}",
        )
        aid = self.store.record(rec)
        links = self._rows(select(_L.c.measurement_id).where(_L.c.analysis_id == aid).order_by(_L.c.position))
        return [r["measurement_id"] for r in links]

    def save_fit(self, measurement_id: int, fit: dict[str, Any], user: str) -> dict[str, Any]:
        """Store ``fit`` (a ``CircuitFit.to_dict()``) as the accepted fit of a measurement."""
        row = self.measurement(measurement_id)
        settings = {
            "circuit": fit.get("circuit"), "weighting": fit.get("weighting"),
            "initial": fit.get("initial"), "fixed": fit.get("fixed"), "source": "web",
        }
        info = MeasurementInfo(
            path=row["path"], technique=row["technique"], input_hash=row["input_hash"], item=row["item"],
            cell_stack=row["cell_stack"], temperature_K=row["temperature_K"], voltage_V=row["voltage_V"],
            reader=row["reader"],
        )
        sample = SampleInfo(study=row["study"], name=row["sample"], treatment=row["treatment"],
                            thickness_m=row["thickness_m"], area_m2=row["area_m2"])
        key = AnalysisKey(f"{row['input_hash']}", FIT_METHOD, settings_hash(settings | {"item": row["item"],
                          "path": row["path"]}), __version__)
        aid = self.store.record(AnalysisRecord(
            key=key, sample=sample, measurements=(info,), settings=settings, result=fit,
            task_id=f"{row['sample']}/eis/{row['path']}#{row['item']}",
        ))
        self.store.accept(aid, by=user)
        saved = self.store.get(aid)
        return {"analysis_id": aid, "accepted": saved["accepted"], "accepted_by": saved["accepted_by"],
                "accepted_at": saved["accepted_at"]}


def measurement_arrays(m: Any, max_points: int = 200_000) -> dict[str, list[float]]:
    """The 1-D numeric arrays of any measurement dataclass (for generic x–y plots)."""
    out: dict[str, list[float]] = {}
    if not is_dataclass(m):
        return out
    for f in fields(m):
        v = getattr(m, f.name)
        if isinstance(v, np.ndarray) and v.ndim == 1 and v.size <= max_points:
            if np.iscomplexobj(v):
                out[f.name + "_real"] = v.real.tolist()
                out[f.name + "_imag"] = v.imag.tolist()
            elif np.issubdtype(v.dtype, np.number):
                out[f.name] = v.astype(float).tolist()
    return out
