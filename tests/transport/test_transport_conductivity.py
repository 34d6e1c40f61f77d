"""Conductivity σ = l/(R·A): the paper's arithmetic, error propagation, bulk choice."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest

from sselab.exceptions import AnalysisError, UnitError
from sselab.transport.conductivity import choose_bulk, classify_capacitance, conductivity, conductivity_from_fit
from sselab.transport.geometry import SampleGeometry

PAPER = SampleGeometry.from_text("0.65 mm", diameter="13 mm")


def test_paper_sigma_and_resistance():
    # REFERENCE §4: σ_ion = 5.54e-4 S/cm, l = 0.065 cm, ∅ 13 mm  <->  R ≈ 88.4 Ω
    area = math.pi * 1.3**2 / 4
    assert PAPER.area_cm2 == pytest.approx(area, rel=1e-12)
    r = 0.065 / (5.54e-4 * area)
    assert r == pytest.approx(88.4, abs=0.05)
    assert conductivity(88.4, PAPER).sigma_S_per_cm == pytest.approx(5.54e-4, rel=2e-3)


def test_area_and_units_at_the_edge():
    g = SampleGeometry.from_text("0.065 cm", area="1.327 cm2")
    assert g.thickness_m == pytest.approx(6.5e-4)
    assert g.area_m2 == pytest.approx(1.327e-4)
    assert SampleGeometry.from_text(0.065, area=1.327).area_cm2 == pytest.approx(1.327)


def test_uncertainty_propagation():
    g = SampleGeometry(6.5e-4, 1.327e-4, thickness_stderr_m=0.2e-6)
    res = conductivity(100.0, g, resistance_stderr_ohm=2.0)
    expected = res.sigma_S_per_cm * math.hypot(0.02, 0.2e-6 / 6.5e-4)
    assert res.sigma_stderr_S_per_cm == pytest.approx(expected, rel=1e-12)
    # without R's error only the gauge accuracy remains, and the result says so
    bare = conductivity(100.0, g)
    assert bare.sigma_stderr_S_per_cm == pytest.approx(bare.sigma_S_per_cm * 0.2e-6 / 6.5e-4)
    assert bare.warnings


def test_collapsed_resistance_gives_a_number_not_an_overflow():
    # a fit that collapsed R to ~1e-305 Ohm with a finite stderr: (stderr/R)**2 overflows a float;
    # sigma and its error stay numbers (huge), for the verdict to judge
    g = SampleGeometry(6.5e-4, 1.327e-4, thickness_stderr_m=0.2e-6)
    res = conductivity(9.86e-305, g, resistance_stderr_ohm=0.364)
    assert res.sigma_S_per_cm == pytest.approx(0.065 / (9.86e-305 * 1.327), rel=1e-12)
    assert res.sigma_stderr_S_per_cm == math.inf  # 5e301 S/cm times 3.7e303: beyond a float


@pytest.mark.parametrize("kwargs", [dict(thickness=None, diameter="13 mm"), dict(thickness="0.65 mm"),
                                    dict(thickness="0.65 mm", diameter="13 mm", area="1 cm2")])
def test_missing_or_conflicting_geometry(kwargs):
    with pytest.raises(AnalysisError):
        SampleGeometry.from_text(**kwargs)


def test_bad_values():
    with pytest.raises(AnalysisError):
        conductivity(-5.0, PAPER)
    with pytest.raises(UnitError):
        SampleGeometry.from_text("0.65 furlong", diameter="13 mm")


@dataclass
class _Est:
    value: float
    stderr: float | None


@dataclass
class _FakeFit:
    vals: dict
    effective_capacitance: dict = field(default_factory=dict)

    def __getitem__(self, name):
        return _Est(self.vals[name], 0.01 * self.vals[name])

    @property
    def values(self):
        return self.vals


def test_capacitance_classes_use_cell_constant():
    # cell constant l/A = 0.049 /cm: 10 pF -> 4.9e-13 F/cm bulk, 10 nF grain boundary, 10 µF electrode
    assert classify_capacitance(10e-12, PAPER) == "bulk"
    assert classify_capacitance(10e-9, PAPER) == "grain boundary"
    assert classify_capacitance(10e-6, PAPER) == "electrode"
    thin = SampleGeometry(1e-6, 1e-4)  # a 1 µm film: the same 10 pF means much less per cell constant
    assert classify_capacitance(10e-9, thin) == "bulk"


def test_bulk_chosen_by_capacitance_and_reported():
    fit = _FakeFit({"R0": 5.0, "R1": 1000.0, "R2": 5000.0}, {"R1": 20e-12, "R2": 30e-9})
    name, why, table = choose_bulk(fit, PAPER)
    assert name == "R1" and "capacitance" in why
    assert table["R2"]["process"] == "grain boundary"
    res = conductivity_from_fit(fit, PAPER)
    assert res.resistance_ohm == 1000.0 and res.bulk_element == "R1"


def test_bulk_falls_back_to_series_resistor_and_respects_user():
    fit = _FakeFit({"R0": 80.0, "R1": 500.0}, {"R1": 2e-5})
    name, why, _ = choose_bulk(fit, PAPER)
    assert name == "R0" and "high-frequency intercept" in why
    name, why, _ = choose_bulk(fit, PAPER, bulk="R1")
    assert name == "R1" and "electrode" in why
    with pytest.raises(AnalysisError):
        choose_bulk(fit, PAPER, bulk="R9")
