"""Real BioLogic files (../shared/data/SOURCES.md rows biologic/gcpl.mpr, mb.mpr, cv.mpr;
dgbowl/yadg tests, GPL-3.0-or-later)."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.cycling import plating_stripping
from sselab.cycling.voltammetry import voltammetry
from sselab.io import read
from sselab.measurements import GalvanostaticRecord


def test_gcpl_li_symmetric_cell(shared_data):
    (rec,) = read(shared_data / "biologic" / "gcpl.mpr", kind="galvanostatic")
    res = plating_stripping(rec, definition="end", area_cm2=1.0)
    # SOURCES.md: ±11 µA, 12 h per half-cycle, 32 half-cycles, overpotential ~0.103 -> 0.111 V
    assert len(res.half_cycles) == 32 and res.n_cycles == 16
    assert res.nominal_current_A == pytest.approx(11e-6, rel=1e-3)
    assert all(h.half.duration_s == pytest.approx(12 * 3600, rel=0.01) for h in res.half_cycles)
    assert res.cycles[0].stripping["end"] == pytest.approx(0.103, abs=0.002)
    assert res.cycles[-1].stripping["end"] == pytest.approx(0.111, abs=0.003)
    assert -res.cycles[0].plating["end"] == pytest.approx(0.103, abs=0.004)
    assert res.growth_per_cycle.slope > 0
    assert res.short_circuit.cycle is None and res.jumps == ()
    # 11 µA x 12 h = 0.132 mAh
    assert abs(res.half_cycles[0].charge_C) / 3.6 == pytest.approx(0.132, rel=0.01)


def test_mb_steps_between_impedance_blocks(shared_data):
    (rec,) = read(shared_data / "biologic" / "mb.mpr", kind="galvanostatic")
    res = plating_stripping(rec)
    assert len(res.half_cycles) == 8 and res.n_cycles == 4
    assert res.nominal_current_A == pytest.approx(2.8e-6, rel=0.01)
    assert all(h.half.duration_s == pytest.approx(3600, rel=0.01) for h in res.half_cycles)


def test_mb_raw_columns_with_impedance_points_kept(shared_data):
    """Segmentation alone must survive the EIS blocks (AC current) left in the record."""
    galvani = pytest.importorskip("galvani")
    d = galvani.BioLogic.MPRfile(str(shared_data / "biologic" / "mb.mpr")).data
    rec = GalvanostaticRecord(time_s=d["time/s"], current_A=d["I/mA"] * 1e-3, voltage_V=d["Ewe/V"])
    res = plating_stripping(rec)
    assert len(res.half_cycles) == 8 and res.n_cycles == 4
    assert res.nominal_current_A == pytest.approx(2.8e-6, rel=0.01)


def test_cv_na_cell(shared_data):
    (vg,) = read(shared_data / "biologic" / "cv.mpr", kind="voltammogram")
    res = voltammetry(vg)
    # 1.5-5.5 V at 0.1 mV/s, two cycles, the second incomplete
    assert res.scan_rate_V_per_s == pytest.approx(1e-4, rel=0.02)
    assert res.vertices_V == pytest.approx((1.5, 5.5, 1.5), abs=0.01)
    assert len(res.scans) == 2
    assert res.scans[0].complete and not res.scans[1].complete
    # an oxidative-stability CV (1.5-5.5 V vs Na): detected as such, so no "dissolution peak"
    # (the 39 mA noise spike of the decomposition current) and no coulombic efficiency (was 6.89e+04)
    assert res.kind == "stability" and res.kind_source.startswith("detected")
    s = res.scans[0]
    assert s.deposition is None and s.dissolution is None and s.coulombic_efficiency is None
    # decomposition sets in on the way up to 5.5 V
    assert 4.0 < res.oxidative_limit_V < 5.5
    # asked as a plating CV: the spike is not a peak (prominence below noise) and CE >> 1 fails
    res_p = voltammetry(vg, kind="plating")
    assert res_p.kind_source == "stated"
    assert res_p.verdict.status == "failed" and "implausible_ce" in res_p.verdict.codes
