"""Metadata found in free-text file headers: temperature and electrode area.

Examples
--------
>>> temperature_from_lines(["Temperature: 60 °C"])
333.15
>>> area_from_lines(["Electrode surface area : 1.131 cm²"])
1.131
"""

from __future__ import annotations

import re
from typing import Iterable

_NUM = r"([-+]?\d+(?:[.,]\d*)?(?:[eE][-+]?\d+)?)"
_TEMP = re.compile(rf"(?:temperature|temp\b|^\s*T\s*[=:])[^0-9+-]*{_NUM}\s*(°\s*C|º\s*C|deg\s*C|C\b|K\b)?", re.I)
_AREA = re.compile(rf"(?:electrode\s+surface\s+area|electrode\s+area|\barea\b)[^0-9+-]*{_NUM}\s*(cm\S*|mm\S*|m\S*)?", re.I)


def _num(text: str) -> float:
    return float(text.replace(",", "."))


def temperature_from_lines(lines: Iterable[str]) -> float | None:
    """Temperature [K] from a line such as ``"Temperature: 60 °C"`` or ``"T = 333 K"``.

    A number without a unit is taken as °C if below 200, else K.
    """
    for line in lines:
        m = _TEMP.search(line)
        if not m:
            continue
        value = _num(m.group(1))
        unit = (m.group(2) or "").replace(" ", "").upper()
        if unit == "K" or (not unit and value >= 200):
            kelvin = value
        else:
            kelvin = value + 273.15
        if kelvin > 0:
            return kelvin
    return None


def area_from_lines(lines: Iterable[str]) -> float | None:
    """Electrode area [cm²] from a line such as ``"Electrode surface area : 1.131 cm²"``."""
    for line in lines:
        m = _AREA.search(line)
        if not m:
            continue
        value = _num(m.group(1))
        unit = (m.group(2) or "cm").lower()
        if unit.startswith("mm"):
            value /= 100.0
        elif unit.startswith("m") and not unit.startswith("cm"):
            value *= 1e4
        if value > 0:
            return value
    return None
