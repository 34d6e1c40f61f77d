"""The results database: every analysis of a study, its settings, values and figures.

SQLite file by default (WAL, safe for several writing processes), PostgreSQL by URL; the
schema is migrated with Alembic on open.  Runners write one :class:`AnalysisRecord` per task
(idempotent on the task's :class:`AnalysisKey`), one transaction per :meth:`Store.record` or per
batch with :meth:`Store.record_many`; reports, the CLI and the web page read
:meth:`Store.table` / :meth:`Store.analyses`.

Example
-------
>>> import sselab.store as store
>>> db = store.open("results.sqlite")          # doctest: +SKIP
>>> db.is_done(task.key)                       # doctest: +SKIP
>>> db.record(AnalysisRecord(key=task.key, sample=..., result=fit.to_dict()))  # doctest: +SKIP
>>> db.table(sample="HP")                      # doctest: +SKIP
"""

from .connect import head_revision, resolve_url
from .queries import TABLE_COLUMNS
from .records import (
    AnalysisKey,
    AnalysisRecord,
    MeasurementInfo,
    SampleInfo,
    ScalarValue,
    extract_values,
)
from .store import Store, open_store

#: ``sselab.store.open(url)`` — the same as :func:`open_store`.
open = open_store  # noqa: A001 - deliberate: store.open(url) reads naturally

__all__ = [
    "TABLE_COLUMNS",
    "AnalysisKey",
    "AnalysisRecord",
    "MeasurementInfo",
    "SampleInfo",
    "ScalarValue",
    "Store",
    "extract_values",
    "head_revision",
    "open",
    "open_store",
    "resolve_url",
]
