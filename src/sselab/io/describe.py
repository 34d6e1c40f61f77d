"""What sselab sees in a file: one generic description of any reading.

:func:`describe` works on every measurement type through its array fields (any field ending
in a unit suffix such as ``_Hz``, ``_s``, ``_A``, ``_V``, ``_deg``, ``_eV``), so a new reader
(XRD, XPS or other) is described without code of its own.  :func:`describe_file` reads a file
and describes each measurement — the backend of ``sselab info``.

Examples
--------
>>> import numpy as np
>>> from sselab.measurements import Spectrum
>>> d = describe(Spectrum(frequency_Hz=np.array([1e3, 1.0]), impedance_ohm=np.array([10 - 1j, 12 - 5j])))
>>> d["kind"], d["points"], d["axes"]["frequency"]
('spectrum', 2, {'min': 1.0, 'max': 1000.0, 'first': 1000.0, 'last': 1.0, 'unit': 'Hz'})
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..verdict import Verdict, verdict_of

_UNITS = {"Hz": "Hz", "s": "s", "A": "A", "V": "V", "deg": "deg", "eV": "eV", "ohm": "Ω", "K": "K"}
_KIND = {"Spectrum": "spectrum", "CurrentTransient": "transient", "GalvanostaticRecord": "galvanostatic",
         "Voltammogram": "voltammogram", "PotentialRecord": "potential", "DiffractionPattern": "diffraction",
         "XPSAcquisition": "xps"}
_WORDS = ("sign", "negated", "column", "from", "taken as", "converted", "assumed", "dropped", "decimal")


def _axes(obj: Any) -> tuple[dict[str, dict[str, Any]], int]:
    axes: dict[str, dict[str, Any]] = {}
    n = 0
    fields = getattr(obj, "__dataclass_fields__", {})
    for name in fields:
        value = getattr(obj, name, None)
        if not isinstance(value, np.ndarray) or value.ndim != 1 or value.size == 0:
            continue
        base, _, unit = name.rpartition("_")
        if unit not in _UNITS:
            base, unit = name, ""
        n = max(n, int(value.size))
        if np.iscomplexobj(value):
            for part, arr in (("real", value.real), ("imag", value.imag)):
                axes[f"{base}_{part}"] = _range(arr, _UNITS.get(unit, unit))
        else:
            axes[base] = _range(value, _UNITS.get(unit, unit))
    return axes, n


def _range(arr: np.ndarray, unit: str) -> dict[str, Any]:
    finite = arr[np.isfinite(arr)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (None, None)
    return {"min": lo, "max": hi, "first": float(arr[0]), "last": float(arr[-1]), "unit": unit}


def describe(m: Any) -> dict[str, Any]:
    """A JSON-ready description of one measurement: kind, reader, points, axis ranges with
    units, regions (XPS), the notes on columns and conventions, and the reading's verdict."""
    axes, n = _axes(m)
    out: dict[str, Any] = {
        "kind": _KIND.get(type(m).__name__, type(m).__name__),
        "reader": getattr(m, "instrument", ""),
        "points": n,
        "axes": axes,
    }
    regions = getattr(m, "regions", None)
    if regions:
        out["regions"] = []
        for r in regions:
            r_axes, r_n = _axes(r)
            out["regions"].append({"name": r.name, "points": r_n, "axes": r_axes})
        out["points"] = sum(r["points"] for r in out["regions"])
    for key in ("temperature_K", "area_cm2", "scan_rate_V_per_s", "excitation_energy_eV"):
        v = getattr(m, key, None)
        if v is not None:
            out[key] = v
    wl = getattr(m, "wavelength_A", None)
    if wl:
        out["wavelength_A"] = list(wl)
    notes = list(getattr(m, "notes", ()))
    out["notes"] = notes
    out["columns_and_conventions"] = [s for s in notes if any(w in s.lower() for w in _WORDS)]
    out.update(verdict_of(m).to_dict())
    return out


def describe_file(path: str | Path, kind: str | None = None) -> dict[str, Any]:
    """Read ``path`` and describe it: ``{"file", "reader", "kind", "count", "measurements",
    "status", "reasons"}`` (the file's status is the worst of its measurements')."""
    from .registry import read

    items = read(path, kind)
    described = [describe(m) for m in items]
    verdict = Verdict.ok().merge(*(Verdict.from_dict(d) for d in described))
    out = {
        "file": str(path),
        "reader": described[0]["reader"] if described else "",
        "kind": described[0]["kind"] if described else "",
        "count": len(described),
        "measurements": described,
    }
    out.update(verdict.to_dict())
    return out
