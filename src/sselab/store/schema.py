"""The tables of the results database (SQLAlchemy 2.x ORM).

::

    samples ─┬─< measurements
             └─< analyses ─┬─< analysis_measurements >── measurements
                           ├─< result_values   (name, value, stderr, unit: queryable scalars)
                           └─< figures         (name, path)

An *analysis* is one executed task: a method (``"eis_fit"``, ``"arrhenius"``...) applied to
one or several measurements with given settings.  Its natural key is
``(input_hash, method, settings_hash, sselab_version)``: writing the same key again updates
the row in place (see :meth:`sselab.store.Store.record`), which is what makes re-runs
idempotent.  The migration scripts in ``migrations/versions`` create exactly these tables;
``tests/store`` checks that the two agree.

Example
-------
>>> from sselab.store.schema import Analysis
>>> Analysis.__tablename__
'analyses'
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: Constraint names are fixed so migrations can refer to them on every backend.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base holding the store's :class:`~sqlalchemy.MetaData`."""

    metadata = MetaData(naming_convention=NAMING)


class Sample(Base):
    """A specimen (pellet) of a study; unique by ``(study, name)``."""

    __tablename__ = "samples"
    __table_args__ = (UniqueConstraint("study", "name", name="uq_samples_study_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    treatment: Mapped[str | None] = mapped_column(String(200))
    thickness_m: Mapped[float | None] = mapped_column(Float)
    area_m2: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    measurements: Mapped[list[Measurement]] = relationship(back_populates="sample")


class Measurement(Base):
    """One raw input: a file (``item`` selects one of several spectra in it) with its context.

    Unique by ``(sample_id, path, item, input_hash)``: an edited file is a new measurement.
    """

    __tablename__ = "measurements"
    __table_args__ = (
        UniqueConstraint("sample_id", "path", "item", "input_hash", name="uq_measurements_identity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(Text)
    item: Mapped[int] = mapped_column(Integer, default=0)
    technique: Mapped[str] = mapped_column(String(40))
    cell_stack: Mapped[str | None] = mapped_column(String(200))
    temperature_K: Mapped[float | None] = mapped_column(Float)
    voltage_V: Mapped[float | None] = mapped_column(Float)
    input_hash: Mapped[str] = mapped_column(String(64), index=True)
    reader: Mapped[str | None] = mapped_column(String(100))
    #: how the file was read: "ok"/"warning"/"failed" and the reasons ({code, message, severity});
    #: NULL when not known (stored before revision 0002, or by a caller that did not read it)
    reading_status: Mapped[str | None] = mapped_column(String(10))
    reading_reasons: Mapped[list | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    sample: Mapped[Sample] = relationship(back_populates="measurements")


class Analysis(Base):
    """One executed task and its result (``result`` is the result's ``to_dict()``)."""

    __tablename__ = "analyses"
    __table_args__ = (
        UniqueConstraint(
            "input_hash", "method", "settings_hash", "sselab_version", name="uq_analyses_task_key"
        ),
        Index("ix_analyses_sample_method", "sample_id", "method"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[str | None] = mapped_column(String(300))
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(100))
    settings: Mapped[Any] = mapped_column(JSON)
    settings_hash: Mapped[str] = mapped_column(String(64))
    input_hash: Mapped[str] = mapped_column(String(64))
    sselab_version: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))  # "ok" | "error"
    message: Mapped[str | None] = mapped_column(Text)
    result: Mapped[Any] = mapped_column(JSON, nullable=True)
    duration_s: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted_by: Mapped[str | None] = mapped_column(String(200))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    values: Mapped[list[ResultValue]] = relationship(
        cascade="all, delete-orphan", order_by="ResultValue.position"
    )
    figures: Mapped[list[Figure]] = relationship(cascade="all, delete-orphan", order_by="Figure.id")


class AnalysisMeasurement(Base):
    """Which measurements an analysis used (several for Arrhenius, I–V, deconvolution)."""

    __tablename__ = "analysis_measurements"

    analysis_id: Mapped[int] = mapped_column(
        ForeignKey("analyses.id", ondelete="CASCADE"), primary_key=True
    )
    measurement_id: Mapped[int] = mapped_column(
        ForeignKey("measurements.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class ResultValue(Base):
    """A key scalar of a result (``sigma_S_per_cm``, a fitted ``R1``...) for SQL queries."""

    __tablename__ = "result_values"
    __table_args__ = (UniqueConstraint("analysis_id", "name", name="uq_result_values_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200), index=True)
    value: Mapped[float | None] = mapped_column(Float)
    stderr: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(40))


class Figure(Base):
    """A figure file written for an analysis (path as the runner wrote it)."""

    __tablename__ = "figures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(Text)
