"""Fit parameters: value, bounds, fixed flag and unit, plus how the engine scales them.

Examples
--------
>>> p = Parameter("R1", 100.0, min=0.0, unit="Ohm")
>>> p.scale
'log'
>>> ps = Parameters([p, Parameter("CPE1.n", 0.9, min=0.0, max=1.0)])
>>> ps.names
('R1', 'CPE1.n')
>>> ps.with_values({"R1": 50.0})["R1"].value
50.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Iterable, Iterator, Mapping

import numpy as np

from ..exceptions import ParameterError


@dataclass(frozen=True)
class Parameter:
    """One parameter.

    Attributes
    ----------
    name : str
    value : float
        Initial (or fitted) value, in ``unit``.
    min, max : float
        Bounds (inclusive); ``-inf``/``inf`` when open.
    fixed : bool
        Held at ``value`` during the fit.
    unit : str
    scale : {"auto", "log", "linear"}
        How the engine moves this parameter: "log" fits log(value) so a 1e-11 F CPE and a
        1e6 Ω resistor take steps of the same relative size; "auto" picks "log" for
        parameters bounded below by 0 and unbounded above, "linear" otherwise.
    """

    name: str
    value: float
    min: float = -math.inf
    max: float = math.inf
    fixed: bool = False
    unit: str = ""
    scale: str = "auto"

    def __post_init__(self) -> None:
        if not np.isfinite(self.value):
            raise ParameterError(f"parameter {self.name}: value must be finite, got {self.value}")
        if self.min > self.max:
            raise ParameterError(f"parameter {self.name}: min {self.min} > max {self.max}")
        if self.scale not in ("auto", "log", "linear"):
            raise ParameterError(f"parameter {self.name}: scale must be auto, log or linear")
        if self.scale == "auto":
            log = self.min >= 0 and (self.max == math.inf)
            object.__setattr__(self, "scale", "log" if log else "linear")
        if self.scale == "log" and self.min < 0:
            raise ParameterError(f"parameter {self.name}: log scale needs min >= 0")
        if not self.fixed and not (self.min <= self.value <= self.max):
            raise ParameterError(
                f"parameter {self.name}: initial value {self.value} outside bounds [{self.min}, {self.max}]"
            )


class Parameters(Mapping[str, Parameter]):
    """An ordered, immutable collection of :class:`Parameter` keyed by name."""

    def __init__(self, params: Iterable[Parameter]) -> None:
        self._items: dict[str, Parameter] = {}
        for p in params:
            if p.name in self._items:
                raise ParameterError(f"duplicate parameter name {p.name!r}")
            self._items[p.name] = p
        self._derived: dict[str, object] = {}  # arrays made from the (immutable) items, once

    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(free mask, lower bounds, upper bounds), made once per instance (read-only)."""
        derived = self.__dict__.setdefault("_derived", {})  # (an instance unpickled from before it existed)
        found = derived.get("arrays")
        if found is None:
            items = self._items.values()
            found = (np.array([not p.fixed for p in items], dtype=bool), np.array([p.min for p in items], float),
                     np.array([p.max for p in items], float))
            for a in found:
                a.setflags(write=False)
            derived["arrays"] = found
        return found  # type: ignore[return-value]

    def bound_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(min, max) of every parameter, in order (read-only arrays)."""
        _, lo, hi = self._arrays()
        return lo, hi

    def __getitem__(self, name: str) -> Parameter:
        try:
            return self._items[name]
        except KeyError:
            raise ParameterError(
                f"unknown parameter {name!r}; known: {', '.join(self._items) or '(none)'}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        inner = ", ".join(f"{p.name}={p.value:g}{' (fixed)' if p.fixed else ''}" for p in self._items.values())
        return f"Parameters({inner})"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._items)

    @property
    def value_array(self) -> np.ndarray:
        """All values, in order."""
        return np.array([p.value for p in self._items.values()], dtype=float)

    @property
    def free_mask(self) -> np.ndarray:
        return self._arrays()[0].copy()

    def replace(self, name: str, **changes: object) -> "Parameters":
        """A copy with one parameter's fields changed (value, min, max, fixed, ...)."""
        self[name]
        return Parameters(replace(p, **changes) if p.name == name else p for p in self._items.values())

    def with_values(self, values: Mapping[str, float] | np.ndarray) -> "Parameters":
        """A copy with new values (a mapping by name, or an array in order)."""
        if isinstance(values, Mapping):
            for name in values:
                self[name]
            return Parameters(
                replace(p, value=float(values[p.name])) if p.name in values else p for p in self._items.values()
            )
        arr = np.asarray(values, dtype=float)
        return Parameters(replace(p, value=float(v)) for p, v in zip(self._items.values(), arr))

    def clipped(self, values: np.ndarray) -> np.ndarray:
        """Values clipped into bounds, nudged off zero-width log bounds."""
        _, lo, hi = self._arrays()
        out = np.clip(np.asarray(values, float), lo, hi)
        cols, floor, mins = self._log_floors()
        if cols.size:
            # a log-scale column whose smallest value (NaN if any is NaN) reaches its minimum
            # is raised to minimum + nudge (column by column, as the loop it replaces did)
            low = out[..., cols].reshape(-1, cols.size).min(axis=0) <= mins
            if low.any():
                c = cols[low]
                out[..., c] = np.maximum(out[..., c], floor[low])
        return out

    def _log_floors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(columns of log-scale parameters, their minimum + nudge, their minimum), made once."""
        derived = self.__dict__.setdefault("_derived", {})
        found = derived.get("log_floors")
        if found is None:
            _, lo, hi = self._arrays()
            cols, floor, mins = [], [], []
            for i, p in enumerate(self._items.values()):
                if p.scale == "log":
                    span = hi[i] - lo[i]
                    nudge = max(abs(p.min) * 1e-6, 1e-300) if not np.isfinite(span) else span * 1e-6
                    cols.append(i)
                    floor.append(p.min + nudge)
                    mins.append(p.min)
            found = (np.array(cols, int), np.array(floor, float), np.array(mins, float))
            derived["log_floors"] = found
        return found  # type: ignore[return-value]
