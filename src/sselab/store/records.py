"""What a runner hands to the store: frozen descriptions of samples, measurements and analyses.

The runner (serial, process pool or Dask worker) builds one :class:`AnalysisRecord` per task
and calls :meth:`sselab.store.Store.record`; everything in it is plain data (picklable, JSON
for the settings and the result), so it can travel from a worker to the writer.

Example
-------
>>> key = AnalysisKey(input_hash="ab" * 32, method="eis_fit", settings_hash="cd" * 32,
...                   sselab_version="0.1.0")
>>> rec = AnalysisRecord(key=key, sample=SampleInfo(study="demo", name="HP"),
...                      result={"parameters": {"R1": {"value": 120.0, "stderr": 2.0, "unit": "Ohm"}}})
>>> [(v.name, v.value, v.unit) for v in rec.scalar_values()]
[('R1', 120.0, 'Ohm')]
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

#: Units inferred from the name suffix of a top-level scalar in a result dict (the unit-in-name
#: convention of sselab's JSON keys: ``Ea_eV``, ``sigma_S_per_cm``).
_SUFFIX_UNITS = (
    ("_S_per_cm", "S/cm"),
    ("_mS_per_cm", "mS/cm"),
    ("_S_per_m", "S/m"),
    ("_kJ_per_mol", "kJ/mol"),
    ("_eV", "eV"),
    ("_Ohm", "Ohm"),
    ("_ohm", "Ohm"),
    ("_F", "F"),
    ("_K", "K"),
    ("_V", "V"),
    ("_A", "A"),
    ("_mV_per_s", "mV/s"),
    ("_V_per_s", "V/s"),
    ("_s", "s"),
    ("_nm", "nm"),
    ("_Angstrom", "Å"),
)
_SUFFIXES = tuple(s for s, _ in _SUFFIX_UNITS)


class AnalysisKey(NamedTuple):
    """The incremental key of one task: same key ⇒ same inputs, same settings, same code."""

    input_hash: str
    method: str
    settings_hash: str
    sselab_version: str


@dataclass(frozen=True)
class SampleInfo:
    """A sample as the manifest describes it (SI units)."""

    study: str
    name: str
    treatment: str | None = None
    thickness_m: float | None = None
    area_m2: float | None = None


@dataclass(frozen=True)
class MeasurementInfo:
    """One raw input file (``item``: which spectrum of a multi-spectrum file)."""

    path: str
    technique: str
    input_hash: str
    item: int = 0
    cell_stack: str | None = None
    temperature_K: float | None = None
    voltage_V: float | None = None
    reader: str | None = None
    #: the reading's verdict (``Measurement.verdict.to_dict()``: ``status`` and ``reasons``);
    #: ``None``: not known here (a stored one is kept)
    reading: dict[str, Any] | None = None


@dataclass(frozen=True)
class ScalarValue:
    """A key number of a result, stored in the queryable ``result_values`` table."""

    name: str
    value: float | None
    stderr: float | None = None
    unit: str | None = None


@dataclass(frozen=True)
class AnalysisRecord:
    """Everything written for one task, in one transaction.

    Parameters
    ----------
    key : AnalysisKey
    sample : SampleInfo or None
        ``None`` only for analyses that span samples.
    measurements : tuple of MeasurementInfo
        The inputs, in order.
    settings : dict
        The settings the task ran with (JSON-able); their hash is ``key.settings_hash``.
    result : dict or None
        The result's ``to_dict()``; ``None`` when the task failed.  May also be its JSON text
        already encoded (:class:`sselab.store.jsonio.Encoded`, then best with ``values`` given:
        they are otherwise parsed back from it).
    status : {"ok", "error"}
    message : str or None
        The error message when ``status == "error"``.
    values : tuple of ScalarValue or None
        Key scalars; ``None`` extracts them from ``result`` (see :meth:`scalar_values`).
    figures : tuple of (name, path)
    task_id : str or None
        The task's human-readable id (e.g. ``"HP/eis/HP_Au_40C.mpt"``).
    duration_s : float or None
    """

    key: AnalysisKey
    sample: SampleInfo | None = None
    measurements: tuple[MeasurementInfo, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] | None = None
    status: str = "ok"
    message: str | None = None
    values: tuple[ScalarValue, ...] | None = None
    figures: tuple[tuple[str, str], ...] = ()
    task_id: str | None = None
    duration_s: float | None = None

    def scalar_values(self) -> tuple[ScalarValue, ...]:
        """The explicit ``values``, or those found in ``result`` by :func:`extract_values`."""
        if self.values is not None:
            return self.values
        if isinstance(self.result, str):  # JSON text encoded ahead (jsonio.Encoded)
            import json

            return extract_values(json.loads(self.result) or {})
        return extract_values(self.result or {})


def _finite(x: Any) -> float | None:
    if type(x) is float:  # the common case, without the ABC check below
        return x if math.isfinite(x) else None
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return None
    x = float(x)
    return x if math.isfinite(x) else None


@lru_cache(maxsize=4096)
def _unit_from_name(name: str) -> str | None:
    for suffix, unit in _SUFFIX_UNITS:
        if name.endswith(suffix):
            return unit
    return None


def extract_values(result: dict[str, Any]) -> tuple[ScalarValue, ...]:
    """Key scalars of a result dict.

    Fitted parameters (``result["parameters"]``, the shape of ``FitResult.to_dict()``: name →
    ``{"value", "stderr", "unit"}``) come first, then top-level numbers such as ``chi2`` or
    ``sigma_S_per_cm`` (unit from the name's suffix), and the same two levels of a nested
    ``"fit"`` dict.  Booleans, strings and lists are skipped; non-finite numbers become ``None``.
    """
    out: dict[str, ScalarValue] = {}

    def visit(d: dict[str, Any], prefix: str) -> None:
        params = d.get("parameters")
        if isinstance(params, dict):
            for name, p in params.items():
                if isinstance(p, dict) and "value" in p:
                    full = prefix + str(name)
                    out.setdefault(
                        full, ScalarValue(full, _finite(p.get("value")), _finite(p.get("stderr")), p.get("unit"))
                    )
        for name, v in d.items():
            full = prefix + str(name)
            if full in out:  # the first one found wins
                continue
            if type(v) is float or type(v) is int or (isinstance(v, numbers.Real) and not isinstance(v, bool)):
                out[full] = ScalarValue(full, _finite(v), None, _unit_from_name(str(name)))
            elif v is None and name.endswith(_SUFFIXES):
                out[full] = ScalarValue(full, None, None, _unit_from_name(str(name)))

    visit(result, "")
    fit = result.get("fit")
    if isinstance(fit, dict):
        visit(fit, "fit.")
    return tuple(out.values())
