"""FullProf .irf (keyword, constant wavelength): a hand-written file whose values are known."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sselab.exceptions import SselabError
from sselab.io.formats.xrd_irf import instrument_from_irf, read_irf
from sselab.xrd.instrument import Instrument
from sselab.xrd.library import mg3asn
from sselab.xrd.simulate import simulate_pattern

IRF = """! Instrumental resolution function, hand-written for the test
TITLE  Lab diffractometer, graphite monochromator
JOBT   XRAY
WAVE   1.540560  1.544390  0.4800   ! Cu Ka1, Ka2, ratio
THRG   10.0 0.02 100.0
CTHM   0.7998
UVWXYZ 0.0120 -0.0060 0.0080 0.0150 0.0200 0.0000
# a comment line
GEOM   Bragg-Brentano
"""


def test_hand_written_irf_values(tmp_path):
    f = tmp_path / "lab.irf"
    f.write_text(IRF)
    d = read_irf(f)
    assert (d["lam1"], d["lam2"], d["ratio"]) == (1.54056, 1.54439, 0.48)
    assert (d["U"], d["V"], d["W"], d["X"], d["Y"], d["Z"]) == (0.012, -0.006, 0.008, 0.015, 0.02, 0.0)
    assert d["thrg"] == [10.0, 0.02, 100.0] and d["geom"] == "Bragg-Brentano" and d["title"].startswith("Lab")
    inst = instrument_from_irf(f)
    assert inst.wavelengths_A == (1.54056, 1.54439) and inst.ratios == (1.0, 0.48)
    assert (inst.U, inst.V, inst.W, inst.X, inst.Y) == (0.012, -0.006, 0.008, 0.015, 0.02)
    # CTHM = cos²(2θ_M): graphite (002) at Cu Kα, 2θ_M = 26.57°
    assert inst.monochromator_2theta_deg == pytest.approx(26.57, abs=0.02)
    assert math.cos(math.radians(inst.monochromator_2theta_deg)) ** 2 == pytest.approx(0.7998)
    assert "lab.irf" in inst.calibrated
    assert instrument_from_irf(f, monochromatic=True).wavelengths_A == (1.54056,)


@pytest.mark.parametrize("text, msg", [
    ("WAVE 1.54\n", "no UVWXYZ"),
    ("UVWXYZ 0 0 0 0 0 0\n", "no WAVE"),
    ("WAVE 1.54 1.55\nUVWXYZ 0 0 0 0 0 0\n", "WAVE needs"),
    ("WAVE 1.54\nUVWXYZ 0 0 zero 0 0 0\n", "needs numbers"),
    ("WAVE 1.54\nN_POINTS 3\n", "tabulated"),
])
def test_malformed_irf_refused(tmp_path, text, msg):
    f = tmp_path / "bad.irf"
    f.write_text(text)
    with pytest.raises(SselabError, match=msg):
        read_irf(f)


def test_irf_with_z_refused_by_instrument(tmp_path):
    f = tmp_path / "z.irf"
    f.write_text("WAVE 1.54\nUVWXYZ 0.01 0 0.01 0 0.01 0.05\n")
    with pytest.raises(SselabError, match="Z = 0.05"):
        instrument_from_irf(f)


def test_cli_refine_uses_the_irf_profile(tmp_path, cli):
    from sselab.io.formats.xrd_xy import write_xye

    f = tmp_path / "lab.irf"
    f.write_text(IRF)
    inst = Instrument(wavelengths_A=(1.54056, 1.54439), ratios=(1.0, 0.48), U=0.012, V=-0.006, W=0.008, X=0.015, Y=0.02,
                      monochromator_2theta_deg=26.57)
    pat = simulate_pattern([mg3asn()], np.arange(20, 100, 0.02), inst, peak_counts=3e4, seed=4)
    data = write_xye(tmp_path / "p.xye", pat)
    rc, out, err = cli("xrd", "refine", data, "--phases", "Mg3AsN", "--instrument", f, "--json")
    assert rc in (0, 3), err
    assert "lab.irf" in err and "U V W X Y = 0.012 -0.006 0.008 0.015 0.02" in err
    res = json.loads(out)
    assert res["chi2"] < 1.3  # the file's profile is the truth: nothing left for size/strain to absorb
    assert res["phases"][0]["a"] == pytest.approx(4.2307, abs=3e-4)
