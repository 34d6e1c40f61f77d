"""Measurements: what readers return and analyses take.

Plain immutable containers of arrays in SI units with their metadata.  Arrays are made
read-only on construction so a measurement cannot change under an analysis.

Common metadata fields: ``source`` (path or description), ``instrument`` (the reader's
name), ``temperature_K`` and ``area_cm2`` when the file says so, and ``notes``: what the
reader detected (column choices, sign of Z'', decimal commas), in words.

Examples
--------
>>> import numpy as np
>>> s = Spectrum(frequency_Hz=np.array([1e3, 1.0]), impedance_ohm=np.array([10 - 1j, 12 - 5j]))
>>> s.n_points
2
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np


def _frozen(array: Any, dtype: type = float) -> np.ndarray:
    out = np.array(array, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


def _freeze_meta(obj: Any) -> None:
    object.__setattr__(obj, "metadata", MappingProxyType(dict(obj.metadata)))
    object.__setattr__(obj, "notes", tuple(obj.notes))


@dataclass(frozen=True, eq=False)
class _Measurement:
    source: str = ""
    instrument: str = ""
    temperature_K: float | None = None
    area_cm2: float | None = None
    notes: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def with_meta(self, **changes: Any) -> "_Measurement":
        """A copy with some fields replaced (e.g. ``temperature_K`` from a table)."""
        from dataclasses import replace

        return replace(self, **changes)


@dataclass(frozen=True, eq=False)
class Spectrum(_Measurement):
    """An impedance spectrum: frequency [Hz] and complex impedance [Ω] (Z = Z' + jZ'')."""

    frequency_Hz: np.ndarray = field(default_factory=lambda: np.empty(0))
    impedance_ohm: np.ndarray = field(default_factory=lambda: np.empty(0, complex))

    def __post_init__(self) -> None:
        object.__setattr__(self, "frequency_Hz", _frozen(self.frequency_Hz))
        object.__setattr__(self, "impedance_ohm", _frozen(self.impedance_ohm, complex))
        _freeze_meta(self)

    @property
    def n_points(self) -> int:
        return int(self.frequency_Hz.size)

    @property
    def angular_frequency(self) -> np.ndarray:
        """ω = 2πf [rad/s]."""
        return 2 * np.pi * self.frequency_Hz

    def select(self, *, f_min_Hz: float | None = None, f_max_Hz: float | None = None,
               drop_inductive: bool = False, mask: Any = None) -> Any:
        """Mask and crop: a :class:`sselab.eis.mask.Selection` (kept spectrum + record of
        what was masked and why); see :func:`sselab.eis.mask.select`."""
        from .eis.mask import select

        return select(self, f_min_Hz=f_min_Hz, f_max_Hz=f_max_Hz, drop_inductive=drop_inductive, mask=mask)


@dataclass(frozen=True, eq=False)
class CurrentTransient(_Measurement):
    """Chronoamperometry: time [s], current [A], applied potential [V] (per point)."""

    time_s: np.ndarray = field(default_factory=lambda: np.empty(0))
    current_A: np.ndarray = field(default_factory=lambda: np.empty(0))
    potential_V: np.ndarray = field(default_factory=lambda: np.empty(0))

    def __post_init__(self) -> None:
        for name in ("time_s", "current_A", "potential_V"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        _freeze_meta(self)


@dataclass(frozen=True, eq=False)
class GalvanostaticRecord(_Measurement):
    """Galvanostatic cycling: time [s], current [A], voltage [V]."""

    time_s: np.ndarray = field(default_factory=lambda: np.empty(0))
    current_A: np.ndarray = field(default_factory=lambda: np.empty(0))
    voltage_V: np.ndarray = field(default_factory=lambda: np.empty(0))

    def __post_init__(self) -> None:
        for name in ("time_s", "current_A", "voltage_V"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        _freeze_meta(self)


@dataclass(frozen=True, eq=False)
class Voltammogram(_Measurement):
    """Cyclic voltammetry: time [s], potential [V], current [A]; scan rate [V/s] if known."""

    time_s: np.ndarray = field(default_factory=lambda: np.empty(0))
    potential_V: np.ndarray = field(default_factory=lambda: np.empty(0))
    current_A: np.ndarray = field(default_factory=lambda: np.empty(0))
    scan_rate_V_per_s: float | None = None

    def __post_init__(self) -> None:
        for name in ("time_s", "potential_V", "current_A"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        _freeze_meta(self)


@dataclass(frozen=True, eq=False)
class DiffractionPattern(_Measurement):
    """Powder pattern: 2θ [deg], intensity [counts], σ [counts], wavelength(s) [Å]."""

    two_theta_deg: np.ndarray = field(default_factory=lambda: np.empty(0))
    intensity: np.ndarray = field(default_factory=lambda: np.empty(0))
    sigma: np.ndarray | None = None
    wavelength_A: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "two_theta_deg", _frozen(self.two_theta_deg))
        object.__setattr__(self, "intensity", _frozen(self.intensity))
        if self.sigma is not None:
            object.__setattr__(self, "sigma", _frozen(self.sigma))
        object.__setattr__(self, "wavelength_A", tuple(float(w) for w in self.wavelength_A))
        _freeze_meta(self)


@dataclass(frozen=True, eq=False)
class XPSRegion:
    """One XPS region: binding energy [eV] (descending or ascending) and counts."""

    name: str
    binding_energy_eV: np.ndarray
    counts: np.ndarray
    sputter_time_s: float | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "binding_energy_eV", _frozen(self.binding_energy_eV))
        object.__setattr__(self, "counts", _frozen(self.counts))
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))


@dataclass(frozen=True, eq=False)
class XPSAcquisition(_Measurement):
    """An XPS acquisition: its regions, the excitation energy [eV]."""

    regions: tuple[XPSRegion, ...] = ()
    excitation_energy_eV: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "regions", tuple(self.regions))
        _freeze_meta(self)
