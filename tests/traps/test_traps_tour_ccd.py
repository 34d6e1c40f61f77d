"""`ccd` on a constant-current cycling record (biologic/gcpl.mpr: ±11 µA in all 32 half-cycles)
printed "CCD = 0.011000000872 mA/cm²" with exit 0: one current density is no CCD test."""

from __future__ import annotations

import pytest

from sselab.cycling.ccd import critical_current_density, simulate_stepped_cycling
from sselab.exceptions import SselabError
from sselab.io import read
from sselab.io.writers import write_galvanostatic_csv


def test_ccd_of_a_constant_current_record_is_refused(shared_data, cli):
    gcpl = shared_data / "biologic" / "gcpl.mpr"
    with pytest.raises(SselabError, match="one current density only"):
        critical_current_density(read(gcpl, "galvanostatic")[0], area_cm2=1.0)
    rc, out, err = cli("ccd", gcpl, "--area", "1 cm2")
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "0.011 mA/cm² in all 32 half-cycles" in err  # 11 µA on 1 cm², SOURCES.md


def test_ccd_without_short_is_printed_as_a_lower_bound(tmp_path, cli):
    rec = simulate_stepped_cycling([0.01, 0.02, 0.05], area_cm2=1.327)
    write_galvanostatic_csv(tmp_path / "ccd.csv", rec)
    rc, out, err = cli("ccd", tmp_path / "ccd.csv", "--area", "1.327 cm2")
    assert rc == 0, err
    assert "CCD ≥ 0.05 mA/cm² (no short up to the highest step)" in out
    rec = simulate_stepped_cycling([0.01, 0.02, 0.05, 0.1], area_cm2=1.327, short_at_mA_per_cm2=0.1, seed=1)
    write_galvanostatic_csv(tmp_path / "short.csv", rec)
    rc, out, err = cli("ccd", tmp_path / "short.csv", "--area", "1.327 cm2")
    assert rc == 0 and "CCD = 0.05 mA/cm²" in out
