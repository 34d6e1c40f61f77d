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

from typing import TYPE_CHECKING, Any

from .records import (
    AnalysisKey,
    AnalysisRecord,
    MeasurementInfo,
    SampleInfo,
    ScalarValue,
    extract_values,
)

if TYPE_CHECKING:
    from .connect import head_revision, resolve_url
    from .queries import TABLE_COLUMNS
    from .store import Store, open_store

    open = open_store  # noqa: A001

#: names loaded on first use (SQLAlchemy and Alembic cost ~0.4 s to import): the record types
#: above are all a worker process needs, and a ``sselab run`` imports the database code only
#: once its workers are started (``sselab.store.open`` is :func:`open_store`)
_LAZY = {"head_revision": "connect", "resolve_url": "connect", "TABLE_COLUMNS": "queries",
         "Store": "store", "open_store": "store", "open": "store"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    module = import_module(f"{__name__}.{_LAZY[name]}")
    value = getattr(module, "open_store" if name == "open" else name)
    globals()[name] = value
    return value


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
