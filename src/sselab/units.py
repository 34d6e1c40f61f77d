"""Parsing quantities with units at the edges; everything inside sselab is SI.

Examples
--------
>>> parse_length("0.65 mm")
0.00065
>>> round(parse_area("1.327 cm2"), 10)
0.0001327
>>> parse_temperature("25 °C")
298.15
"""

from __future__ import annotations

import math
import re

from .exceptions import UnitError

#: Boltzmann constant [eV/K].
K_B_EV = 8.617333262e-5
#: Faraday constant [C/mol].
FARADAY = 96485.33212
#: Molar gas constant [J/(mol K)].
GAS_CONSTANT = 8.314462618
#: eV per particle to kJ/mol.
EV_TO_KJ_PER_MOL = 96.48533212
ZERO_CELSIUS_K = 273.15

_LENGTH = {"m": 1.0, "cm": 1e-2, "mm": 1e-3, "um": 1e-6, "µm": 1e-6, "μm": 1e-6, "nm": 1e-9}
_AREA = {
    "m2": 1.0, "m^2": 1.0, "m²": 1.0,
    "cm2": 1e-4, "cm^2": 1e-4, "cm²": 1e-4,
    "mm2": 1e-6, "mm^2": 1e-6, "mm²": 1e-6,
}
_NUMBER_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\s\d].*)?$")


def _split(text: str | float, what: str) -> tuple[float, str | None]:
    if isinstance(text, (int, float)):
        return float(text), None
    match = _NUMBER_UNIT.match(str(text))
    if not match:
        raise UnitError(f"cannot read {what} {text!r}: expected a number and a unit, e.g. '0.65 mm'")
    unit = match.group(2).strip() if match.group(2) else None
    return float(match.group(1)), unit


def parse_length(text: str | float, default_unit: str = "m") -> float:
    """Return a length in metres from ``"0.65 mm"``, ``"650 um"``, ``"0.065 cm"`` or a number.

    A bare number is read in ``default_unit``.
    """
    value, unit = _split(text, "length")
    unit = unit or default_unit
    if unit not in _LENGTH:
        raise UnitError(f"unknown length unit {unit!r} in {text!r}; use one of {', '.join(_LENGTH)}")
    if value <= 0:
        raise UnitError(f"length must be positive, got {text!r}")
    return value * _LENGTH[unit]


def parse_area(text: str | float, default_unit: str = "m2") -> float:
    """Return an area in m² from ``"1.327 cm2"``, ``"132.7 mm2"`` or a number in ``default_unit``."""
    value, unit = _split(text, "area")
    unit = unit or default_unit
    if unit not in _AREA:
        raise UnitError(f"unknown area unit {unit!r} in {text!r}; use one of cm2, mm2, m2")
    if value <= 0:
        raise UnitError(f"area must be positive, got {text!r}")
    return value * _AREA[unit]


def disc_area(diameter_m: float) -> float:
    """Area [m²] of a disc of the given diameter [m]."""
    return math.pi * diameter_m**2 / 4.0


def parse_temperature(text: str | float, default_unit: str = "K") -> float:
    """Return a temperature in kelvin from ``"25 °C"``, ``"25 C"``, ``"298.15 K"`` or a number."""
    value, unit = _split(text, "temperature")
    unit = (unit or default_unit).replace("°", "").replace("deg", "").strip().upper()
    if unit == "K":
        kelvin = value
    elif unit == "C":
        kelvin = value + ZERO_CELSIUS_K
    else:
        raise UnitError(f"unknown temperature unit in {text!r}; use K or °C")
    if kelvin <= 0:
        raise UnitError(f"temperature {text!r} is at or below absolute zero")
    return kelvin

