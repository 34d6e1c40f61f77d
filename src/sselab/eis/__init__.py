"""Impedance spectroscopy: circuit language, fitting, Kramers–Kronig validation, DRT,
circuit selection, plots.

The names below are loaded on first use (``import sselab.eis.batch`` does not load DRT,
the fitting engine or the simulator): ``sselab eis fit`` starts without what it does not use.

``sselab.eis.drt`` is the DRT *function* (:func:`sselab.eis.drt.solver.drt`), as it always
was, while ``sselab.eis.drt`` is also the name of the subpackage that holds it (``from
sselab.eis.drt import band``).  Python's import system sets a package's attribute to its
subpackage when the subpackage is imported; this package's module type keeps the function
under that name instead (the subpackage stays importable by its dotted name, through
``sys.modules``).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

#: public name -> (module, attribute)
_LAZY = {
    "Circuit": ("circuit", "Circuit"),
    "DRTPeak": ("drt.result", "DRTPeak"),
    "DRTResult": ("drt.result", "DRTResult"),
    "drt": ("drt.solver", "drt"),
    "ELEMENTS": ("elements", "ELEMENTS"),
    "CircuitFit": ("fit", "CircuitFit"),
    "effective_capacitance": ("fit", "effective_capacitance"),
    "fit_circuit": ("fit", "fit_circuit"),
    "parse": ("language", "parse"),
    "parse_circuit": ("language", "parse"),
    "select": ("mask", "select"),
    "CircuitModel": ("model", "CircuitModel"),
    "paper_frequencies": ("simulate", "paper_frequencies"),
    "simulate_spectrum": ("simulate", "simulate_spectrum"),
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attr = _LAZY[name]
    value = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    globals()[name] = value  # the next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


class _Package(types.ModuleType):
    """``sselab.eis``: the subpackage ``drt`` never replaces the function ``drt`` (see module docs)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "drt" and isinstance(value, types.ModuleType):
            return  # the import system binding the subpackage: ``sselab.eis.drt`` stays the function
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
