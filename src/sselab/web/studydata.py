"""Adapter between the web layer and :mod:`sselab.store` (its public API only, no SQL here).

- listing: :meth:`Store.measurements` (measurements with their sample and analyses);
- an upload: :meth:`Store.add_measurement` per item of the file (sample and measurement
  upserted in one transaction; no analysis is written, so the measurement's status is
  ``"imported"`` until something analyses it);
- an accepted fit: an ``"eis_fit"`` analysis written with :meth:`Store.record` and then
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

from .. import __version__
from ..exceptions import StoreError
from ..store import AnalysisKey, AnalysisRecord, MeasurementInfo, SampleInfo, Store

#: Measurement kind (reader) → technique name used in the store and manifest.
TECHNIQUE_OF_KIND = {
    "spectrum": "eis", "transient": "dc", "galvanostatic": "cycling", "voltammogram": "cv",
    "potential": "ocv", "diffraction": "xrd", "xps": "xps", "sem_image": "sem", "eds": "eds",
}
KIND_OF_TECHNIQUE = {v: k for k, v in TECHNIQUE_OF_KIND.items()}
#: Method of the bookkeeping analyses older workbenches wrote for uploads (ignored in statuses).
IMPORT_METHOD = "import"
FIT_METHOD = "eis_fit"
_SAMPLE_KEYS = ("sample_id", "study", "sample", "treatment", "thickness_m", "area_m2")
_MEASUREMENT_KEYS = ("id", "path", "item", "technique", "cell_stack", "temperature_K", "voltage_V", "reader",
                     "reading_verdict")


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
        """The study of the measurements already stored when there is exactly one, else the configured name."""
        names = {m["study"] for m in self.store.measurements()}
        return names.pop() if len(names) == 1 else self.study

    def samples(self) -> list[dict[str, Any]]:
        """Samples that have measurements, each with its measurements, their analyses and a status."""
        by_sample: dict[int, dict[str, Any]] = {}
        for m in self.store.measurements():
            s = by_sample.setdefault(m["sample_id"], {
                "id": m["sample_id"], "study": m["study"], "name": m["sample"], "treatment": m["treatment"],
                "thickness_m": m["thickness_m"], "area_m2": m["area_m2"], "measurements": [],
            })
            s["measurements"].append({k: m[k] for k in _MEASUREMENT_KEYS}
                                     | {"analyses": m["analyses"], "status": _status(m["analyses"]),
                                        "display_path": self.display_path(m["path"])})
        from ..report.style import natural_key

        for s in by_sample.values():
            s["measurements"].sort(key=lambda m: (m["technique"] or "", natural_key(m["display_path"])))
        return sorted(by_sample.values(), key=lambda s: natural_key(s["name"]))

    def display_path(self, path: str) -> str:
        """A measurement's file as a person wants to read it: relative to the study folder when
        it lies inside, else its file name with the folder it is in."""
        p = Path(path)
        if not p.is_absolute():
            return str(p)
        try:
            return str(p.resolve().relative_to(self.root.resolve()))
        except (ValueError, OSError):
            return str(Path(p.parent.name) / p.name) if p.parent.name else p.name

    def measurement(self, measurement_id: int) -> dict[str, Any]:
        """One measurement with its sample (as :meth:`Store.measurements` gives it); :class:`StoreError` if none."""
        rows = self.store.measurements(ids=[measurement_id])
        if not rows:
            raise StoreError(f"no measurement with id {measurement_id}")
        return rows[0]

    def analyses_of(self, measurement_id: int, method: str | None = None) -> list[dict[str, Any]]:
        """Full analyses (as :meth:`Store.get` returns them) that used this measurement."""
        summary = self.measurement(measurement_id)["analyses"]
        return [self.store.get(a["id"]) for a in summary if method is None or a["method"] == method]

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
        info = SampleInfo(study=self.study_name(), name=sample)
        return [
            self.store.add_measurement(info, MeasurementInfo(
                path=rel, technique=technique, input_hash=digest, item=i,
                temperature_K=getattr(m, "temperature_K", None), reader=getattr(m, "instrument", None),
                reading=(m.metadata.get("reading_verdict") if hasattr(m, "metadata") else None)))
            for i, m in enumerate(measurements)
        ]

    def analysis_task(self, measurement_id: int, settings: dict[str, Any]) -> Any:
        """The pipeline's task for analysing a stored measurement with ``settings`` (validated
        by the manifest's settings model of its technique, defaults filled in): the web runs
        exactly what ``sselab run`` runs for the same file and settings."""
        from ..study.settings import SETTINGS_MODELS
        from ..study.tasks import DEFAULT_KINDS, make_task

        row = self.measurement(measurement_id)
        technique = row["technique"]
        if technique not in DEFAULT_KINDS or technique not in SETTINGS_MODELS:
            raise StoreError(f"measurement {measurement_id} ({technique}) has no analysis the workbench can run")
        if technique == "eds":  # the stored item is the file's spectrum to quantify
            settings = {"index": int(row["item"] or 0), **settings}
        resolved = SETTINGS_MODELS[technique].model_validate(settings).model_dump(mode="json")
        context = {"study": row["study"], "sample": row["sample"], "thickness_m": row["thickness_m"],
                   "area_m2": row["area_m2"], "cell": row["cell_stack"], "temperature_K": row["temperature_K"],
                   "voltage_V": row["voltage_V"]}
        path = self.file_of(row)
        return make_task(id=f"{row['sample']}/{technique}/{row['path']}", kind=DEFAULT_KINDS[technique],
                         sample=row["sample"], technique=technique, files=(path,), settings=resolved,
                         context=context), row

    def save_analysis(self, task: Any, row: dict[str, Any], result: dict[str, Any] | None, error: str | None,
                      duration_s: float) -> int:
        """Store a workbench-run analysis exactly as the pipeline stores its tasks."""
        info, sample = _record_infos(row)
        return self.store.record(AnalysisRecord(
            key=AnalysisKey(row["input_hash"], task.kind, task.settings_hash, task.sselab_version), sample=sample,
            measurements=(info,), settings=task.settings, result=result, status="ok" if error is None else "error",
            message=error, task_id=task.id, duration_s=duration_s))

    def save_fit(self, measurement_id: int, fit: dict[str, Any], user: str) -> dict[str, Any]:
        """Store ``fit`` (a ``CircuitFit.to_dict()``) as the accepted fit of a measurement."""
        row = self.measurement(measurement_id)
        settings = {
            "circuit": fit.get("circuit"), "weighting": fit.get("weighting"),
            "initial": fit.get("initial"), "fixed": fit.get("fixed"), "source": "web",
        }
        if (fit.get("mask") or {}).get("n_masked"):  # the points left out (as eis fit --fmin/--mask ...)
            settings["points"] = fit["mask"]["settings"]
        info, sample = _record_infos(row)
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


def _record_infos(row: dict[str, Any]) -> tuple[MeasurementInfo, SampleInfo]:
    """The stored measurement row as the store's record parts (what the pipeline records)."""
    info = MeasurementInfo(
        path=row["path"], technique=row["technique"], input_hash=row["input_hash"], item=row["item"],
        cell_stack=row["cell_stack"], temperature_K=row["temperature_K"], voltage_V=row["voltage_V"],
        reader=row["reader"],
    )
    sample = SampleInfo(study=row["study"], name=row["sample"], treatment=row["treatment"],
                        thickness_m=row["thickness_m"], area_m2=row["area_m2"])
    return info, sample
