"""Traps found by a new-user tour of the CLI on the real files (../shared/data, see SOURCES.md):
each once printed a number with exit 0; now a refusal (exit 2, one line) or a failed verdict."""

from __future__ import annotations

import pytest

from sselab.exceptions import SselabError
from sselab.io import read

def test_cv_of_a_chronoamperometry_is_refused(shared_data, one_line_refusal):
    """biologic/ca.mpr: a 12 h hold at 0.3 V; `cv` called it a 'stability CV' with an
    'oxidative limit 0.146 V' (the potential before the set point), exit 0."""
    from sselab.cycling.voltammetry import voltammetry

    ca = shared_data / "biologic" / "ca.mpr"
    with pytest.raises(SselabError, match="potentiostatic hold"):
        voltammetry(read(ca, "voltammogram")[0])
    err = one_line_refusal("cv", ca, match="not a voltammogram")
    assert "0.2986 V" in err  # the hold's potential, checked in the file: median of the record


def test_real_cvs_are_still_analysed(shared_data):
    from sselab.cycling.voltammetry import voltammetry

    for name in ("biologic/cv.mpr", "gamry/gamry_cv.DTA"):
        res = voltammetry(read(shared_data / name, "voltammogram")[0])
        assert res.scans


@pytest.mark.parametrize("name, current", [("biologic/gcpl.mpr", "1.1e-05 A"), ("biologic/geis.mpr", "0.0003806 A")])
def test_cv_of_a_galvanostatic_record_is_refused(shared_data, one_line_refusal, name, current):
    """gcpl.mpr (±11 µA cycling, SOURCES.md) was a 'plating CV' of 16 scans with CE 1, exit 0."""
    err = one_line_refusal("cv", shared_data / name, match="galvanostatic")
    assert current in err
