"""The :class:`Store`: one results database, opened and migrated by :func:`open_store`.

Example
-------
>>> import tempfile, pathlib
>>> from sselab.store import AnalysisKey, AnalysisRecord, SampleInfo, open_store
>>> path = pathlib.Path(tempfile.mkdtemp()) / "results.sqlite"
>>> key = AnalysisKey("a" * 64, "arrhenius", "b" * 64, "0.1.0")
>>> with open_store(path) as db:
...     aid = db.record(AnalysisRecord(key=key, sample=SampleInfo("demo", "HP"),
...                                    result={"Ea_eV": 0.30}))
...     db.is_done(key), db.table()["value"].tolist()
(True, [0.3])
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from ..exceptions import StoreError
from . import queries, writer
from .connect import make_engine, resolve_url, upgrade, write_transaction
from .records import AnalysisKey, AnalysisRecord, MeasurementInfo, SampleInfo
from .schema import Base, Sample

if TYPE_CHECKING:  # pandas loads in ~0.4 s: only when a table is asked for
    import pandas as pd


def _describe(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only used to print
        return url


class Store:
    """A results database.  Use :func:`open_store` (``sselab.store.open``) to get one.

    Writes (:meth:`record`, :meth:`record_many`, :meth:`accept`) are one transaction each; reads never lock out
    writers (SQLite WAL, PostgreSQL MVCC).  Any database failure is raised as
    :class:`~sselab.exceptions.StoreError`.
    """

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url

    # -- life cycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def display_url(self) -> str:
        """The URL with any password hidden (for messages and output)."""
        return _describe(self.url)

    def __repr__(self) -> str:
        return f"Store({self.display_url!r})"

    def _fail(self, what: str, exc: SQLAlchemyError) -> StoreError:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return StoreError(f"{_describe(self.url)}: {what} failed: {detail}")

    # -- writing ----------------------------------------------------------------------------
    def record(self, rec: AnalysisRecord) -> int:
        """Write one task's record in one transaction; return the analysis id.

        Idempotent: writing a record with an existing key updates that analysis (same id,
        accepted flag kept) and replaces its values and figures, so re-runs never duplicate
        rows, and a crash before the commit leaves nothing half-written.
        """
        try:
            with write_transaction(self.engine) as conn:
                return writer.write_record(conn, rec)
        except SQLAlchemyError as exc:
            raise self._fail(f"writing task {rec.task_id or rec.key.method}", exc) from exc

    def record_many(self, records: Iterable[AnalysisRecord]) -> list[int]:
        """Write several tasks' records in one transaction; return their analysis ids, in order.

        The same rows as :meth:`record` on each in turn (a key given twice: the later record
        wins), at a fraction of the cost: one commit, shared samples and measurements written
        once.  All or nothing: a failure (or a killed process) before the commit leaves none of
        them written, and every record is checked before anything is written.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> recs = [AnalysisRecord(key=AnalysisKey(f"{i:064x}", "arrhenius", "b" * 64, "0.1.0"),
        ...                        sample=SampleInfo("demo", "HP"), result={"Ea_eV": 0.3 + i / 100})
        ...         for i in range(3)]
        >>> with open_store(pathlib.Path(tempfile.mkdtemp()) / "r.sqlite") as db:
        ...     ids = db.record_many(recs)
        ...     len(set(ids)), db.table()["value"].tolist()
        (3, [0.3, 0.31, 0.32])
        """
        recs = list(records)
        if not recs:
            return []
        try:
            with write_transaction(self.engine) as conn:
                return writer.write_records(conn, recs)
        except SQLAlchemyError as exc:
            first = recs[0].task_id or recs[0].key.method
            raise self._fail(f"writing {len(recs)} tasks ({first}, ...)", exc) from exc

    def accept(self, analysis_id: int, by: str, at: datetime | None = None) -> None:
        """Mark an analysis as the accepted one (e.g. a fit a user saved), recording who/when."""
        try:
            with write_transaction(self.engine) as conn:
                writer.accept(conn, analysis_id, by, at)
        except SQLAlchemyError as exc:
            raise self._fail("accepting an analysis", exc) from exc

    def add_measurement(self, sample: SampleInfo, measurement: MeasurementInfo) -> int:
        """Register a raw input (e.g. an uploaded file) without an analysis; return its id.

        One transaction: the sample ``(study, name)`` is created if missing, then the
        measurement ``(sample, path, item, input_hash)``.  Idempotent: adding the same
        measurement again returns the same id and updates its context (technique, cell stack,
        temperature, voltage, reader, reading verdict).  An existing sample keeps its treatment, thickness and
        area where ``sample`` leaves them ``None``.

        Parameters
        ----------
        sample : SampleInfo
            The sample the measurement belongs to.
        measurement : MeasurementInfo
            The file (``path``, ``item``), its content hash and context.

        Returns
        -------
        int
            The measurement's id (as :meth:`measurements` lists it).

        Raises
        ------
        StoreError
            When the database write fails.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> with open_store(pathlib.Path(tempfile.mkdtemp()) / "r.sqlite") as db:
        ...     mid = db.add_measurement(SampleInfo("demo", "HP"),
        ...                              MeasurementInfo("eis/HP_40C.mpt", "eis", "ab" * 32, temperature_K=313.15))
        ...     [(m["id"] == mid, m["sample"], m["path"]) for m in db.measurements()]
        [(True, 'HP', 'eis/HP_40C.mpt')]
        """
        samples = Sample.__table__
        try:
            with write_transaction(self.engine) as conn:
                old = conn.execute(
                    select(samples.c.treatment, samples.c.thickness_m, samples.c.area_m2)
                    .where(samples.c.study == sample.study, samples.c.name == sample.name)
                ).mappings().one_or_none()
                if old is not None:
                    sample = SampleInfo(
                        study=sample.study, name=sample.name,
                        treatment=sample.treatment if sample.treatment is not None else old["treatment"],
                        thickness_m=sample.thickness_m if sample.thickness_m is not None else old["thickness_m"],
                        area_m2=sample.area_m2 if sample.area_m2 is not None else old["area_m2"],
                    )
                sample_id = writer.upsert_sample(conn, sample)
                return writer.upsert_measurement(conn, sample_id, measurement)
        except SQLAlchemyError as exc:
            raise self._fail(f"adding measurement {measurement.path}", exc) from exc

    # -- reading ----------------------------------------------------------------------------
    def _read(self, what: str, fun: Any, **kwargs: Any) -> Any:
        try:
            with self.engine.connect() as conn:
                return fun(conn, **kwargs)
        except SQLAlchemyError as exc:
            raise self._fail(what, exc) from exc

    def is_done(self, key: AnalysisKey, include_errors: bool = False) -> bool:
        """Whether the task with this key already has a stored result (``ok`` unless asked)."""
        return bool(self.done_keys([key], include_errors=include_errors))

    def done_keys(self, keys: Iterable[AnalysisKey], include_errors: bool = False) -> set[AnalysisKey]:
        """Which of ``keys`` are done (one query per 200 keys: use it to plan a whole run)."""
        return self._read("looking up done tasks", queries.done_keys, keys=keys, include_errors=include_errors)

    def analyses(self, *, study: str | None = None, sample: str | None = None, method: str | None = None,
                 status: str | None = None) -> list[dict[str, Any]]:
        """Analyses (dicts with ``result``, ``settings``, ``measurements``, ``values``, ``figures``)."""
        return self._read("reading analyses", queries.analyses, study=study, sample=sample,
                          method=method, status=status)

    def verdicts(self, *, study: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        """Task ids with their result's ``status``/``reasons`` only, by task id and each task's oldest first (for
        :func:`~sselab.store.queries.verdict_counts`; the stored results are not parsed)."""
        return self._read("reading verdicts", queries.verdicts, study=study, status=status)

    def measurements(self, *, study: str | None = None, sample: str | None = None,
                     technique: str | None = None, ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
        """Measurements (raw inputs) with their sample and the analyses that used them.

        Parameters
        ----------
        study, sample, technique : str, optional
            Keep only measurements of this study, sample name or technique (``"eis"``...).
        ids : iterable of int, optional
            Keep only these measurement ids.

        Returns
        -------
        list of dict
            One dict per measurement, ordered by study, sample, temperature, path and item:
            ``id``, ``path``, ``item``, ``technique``, ``cell_stack``, ``temperature_K``,
            ``voltage_V``, ``input_hash``, ``reader``, ``created_at``, ``reading_verdict``
            (``{status, reasons}`` of how the file was read — a ``rows_dropped`` warning, say —
            or None when not known; also as ``reading_status``/``reading_reasons``), the sample's
            ``sample_id``, ``study``, ``sample``, ``treatment``, ``thickness_m``, ``area_m2``,
            and ``analyses``: ``{id, method, status, message, accepted, accepted_by,
            accepted_at}`` of every analysis that used it (full ones via :meth:`get`).

        Examples
        --------
        >>> db.measurements(sample="HP", technique="eis")[0]["temperature_K"]   # doctest: +SKIP
        313.15
        """
        return self._read("reading measurements", queries.measurements, study=study, sample=sample,
                          technique=technique, ids=ids)

    def get(self, analysis_id: int) -> dict[str, Any]:
        """One analysis as :meth:`analyses` returns it."""
        found = self._read("reading an analysis", queries.analyses, ids=[analysis_id])
        if not found:
            raise StoreError(f"{_describe(self.url)}: no analysis with id {analysis_id}")
        return found[0]

    def table(self, *, study: str | None = None, sample: str | None = None,
              method: str | None = None) -> pd.DataFrame:
        """The tidy table (one row per analysis and scalar value) the report and CLI use."""
        return self._read("reading results", queries.tidy_table, study=study, sample=sample, method=method)

    def count(self, table: str) -> int:
        """Number of rows in one of the store's tables (for checks and status displays)."""
        if table not in Base.metadata.tables:
            raise StoreError(f"no table {table!r}; tables: {', '.join(sorted(Base.metadata.tables))}")
        t = Base.metadata.tables[table]
        return int(self._read("counting rows", lambda conn: conn.execute(select(func.count()).select_from(t)).scalar_one()))


def open_store(target: str | Path, *, migrate: bool = True) -> Store:
    """Open (creating and migrating as needed) the results database at a path or URL.

    Parameters
    ----------
    target : str or Path
        An SQLite file path (created if missing; its folder must exist), ``sqlite:///...`` or
        ``postgresql+psycopg://user:pw@host:port/db``.
    migrate : bool
        Upgrade the schema to the newest revision (default).  Safe to run from several
        processes at once.

    Raises
    ------
    StoreError
        When the database cannot be reached, created or migrated.
    """
    url = resolve_url(target)
    engine = make_engine(url)
    try:
        if migrate:
            upgrade(engine)
        else:
            with engine.connect():
                pass
    except SQLAlchemyError as exc:
        engine.dispose()
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StoreError(f"cannot open results database {_describe(url)}: {detail}") from exc
    except Exception as exc:
        engine.dispose()
        if isinstance(exc, StoreError):
            raise
        from alembic.util import CommandError

        if isinstance(exc, CommandError):
            raise StoreError(f"cannot migrate results database {_describe(url)}: {exc}") from exc
        raise
    return Store(engine, url)
