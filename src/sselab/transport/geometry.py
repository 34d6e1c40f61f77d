"""Sample geometry: thickness and electrode area, in SI, with their uncertainties.

Examples
--------
>>> g = SampleGeometry.from_text("0.65 mm", diameter="13 mm")
>>> round(g.thickness_cm, 4), round(g.area_cm2, 4)
(0.065, 1.3273)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..exceptions import AnalysisError
from ..units import disc_area, parse_area, parse_length

#: Default thickness accuracy of the gauge [m] (the paper's 0.2 µm).
GAUGE_ACCURACY_M = 0.2e-6


@dataclass(frozen=True)
class SampleGeometry:
    """A pellet: thickness [m], area [m²] and their standard uncertainties.

    Attributes
    ----------
    thickness_m, area_m2 : float
    thickness_stderr_m : float
        Uncertainty of the thickness (default: the gauge accuracy, 0.2 µm).
    area_stderr_m2 : float
        Uncertainty of the area (default 0: a die of known diameter).
    """

    thickness_m: float
    area_m2: float
    thickness_stderr_m: float = GAUGE_ACCURACY_M
    area_stderr_m2: float = 0.0

    def __post_init__(self) -> None:
        for name in ("thickness_m", "area_m2"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise AnalysisError(f"sample geometry: {name} must be positive, got {value}")
        for name in ("thickness_stderr_m", "area_stderr_m2"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise AnalysisError(f"sample geometry: {name} must be >= 0, got {value}")

    @classmethod
    def from_text(
        cls,
        thickness: str | float | None,
        diameter: str | float | None = None,
        area: str | float | None = None,
        thickness_stderr: str | float | None = None,
    ) -> "SampleGeometry":
        """Geometry from strings such as ``"0.65 mm"``, ``"13 mm"``, ``"1.327 cm2"``.

        Bare numbers are read in the field's units (cm, cm²).  Exactly one of ``diameter``
        and ``area`` must be given.
        """
        if thickness is None:
            raise AnalysisError("sample geometry: the thickness is missing (e.g. '0.65 mm')")
        if diameter is None and area is None:
            raise AnalysisError("sample geometry: give the diameter (e.g. '13 mm') or the area (e.g. '1.327 cm2')")
        if diameter is not None and area is not None:
            raise AnalysisError("sample geometry: give the diameter or the area, not both")
        length = parse_length(thickness, default_unit="cm")
        a = disc_area(parse_length(diameter, default_unit="cm")) if diameter is not None else parse_area(area, default_unit="cm2")
        err = GAUGE_ACCURACY_M if thickness_stderr is None else parse_length(thickness_stderr, default_unit="cm")
        return cls(length, a, err)

    @property
    def thickness_cm(self) -> float:
        return self.thickness_m * 100.0

    @property
    def area_cm2(self) -> float:
        return self.area_m2 * 1e4

    @property
    def cell_constant_per_cm(self) -> float:
        """l/A [1/cm]."""
        return self.thickness_cm / self.area_cm2

    def scaled_resistance(self, resistance_ohm: float, to: "SampleGeometry") -> float:
        """The resistance the same material would have with the geometry ``to``."""
        return resistance_ohm * to.cell_constant_per_cm / self.cell_constant_per_cm

    def to_dict(self) -> dict[str, Any]:
        return {
            "thickness_cm": self.thickness_cm,
            "thickness_stderr_cm": self.thickness_stderr_m * 100.0,
            "area_cm2": self.area_cm2,
            "area_stderr_cm2": self.area_stderr_m2 * 1e4,
        }
