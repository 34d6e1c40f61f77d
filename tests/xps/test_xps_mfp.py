"""CasaXPS's quantification divisor RSF·T·MFP: T from the file checked against CasaXPS's own table,
the escape-depth factor MFP = KE^x by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sselab.io import read
from sselab.xps.casa import t_mfp
from sselab.xps.quantify import mfp_factor, quantify

DATA = Path(__file__).resolve().parents[1] / "data" / "xps"


def test_transmission_matches_casaxps_table():
    """FeO_analyzed_results.csv (CasaXPS): Raw Area / (Area/(RSF*T*MFP)) / RSF is CasaXPS's T·MFP at each
    peak; sselab's T from the file at the same positions (MFP off) agrees to 2e-4."""
    acq, = read(DATA / "FeO_analyzed.vms", kind="xps")
    region = acq.regions[0]
    # Name, Position, FWHM, Raw Area, Area/(RSF*T*MFP) as printed by CasaXPS (4 rows of the file)
    table = [(709.03, 63400.62, 1430.56), (715.73, 29867.34, 671.00), (722.18, 42839.74, 958.37),
             (730.22, 15954.51, 355.03)]
    for pos, raw, corrected in table:
        casa_t_mfp = raw / corrected / 16.42
        assert t_mfp(region, pos) == pytest.approx(casa_t_mfp, rel=2e-4)


def test_mfp_factor_by_hand():
    assert mfp_factor(1000.0, 0.6) == pytest.approx(63.0957, rel=1e-5)      # 10^1.8
    assert mfp_factor(100.0, 0.5) == pytest.approx(10.0)


def test_escape_depth_in_atomic_percent_by_hand():
    """Equal areas and RSFs at KE 1000 and 100 eV (hν 1100): with MFP = KE^0.6 the low-KE line
    counts 10^0.6 times more: 1 / (1 + 10^-0.6) = 79.92 at.%; off: 50/50."""
    areas = {"A 1s": (1.0, None), "B 1s": (1.0, None)}
    rsfs = {"A 1s": 1.0, "B 1s": 1.0}
    pos = {"A 1s": 100.0, "B 1s": 1000.0}
    on = quantify(areas, rsfs, "imfp", pos, 1100.0, mfp_exponent=0.6)
    assert [r.atomic_percent for r in on.rows] == pytest.approx([100 / (1 + 10 ** 0.6), 100 / (1 + 10 ** -0.6)])
    assert on.rows[1].atomic_percent == pytest.approx(79.924, abs=1e-3)
    off = quantify(areas, rsfs, "none", pos, 1100.0)
    assert [r.atomic_percent for r in off.rows] == pytest.approx([50.0, 50.0])


def test_casa_cli_mfp_switch(cli):
    """--mfp-exponent 0.6 divides each stored component by KE^0.6 more: %At ratios change by
    (KE_i/KE_j)^-0.6 against the default (off)."""
    feo = DATA / "FeO_analyzed.vms"
    rc, out, _ = cli("xps", "casa", feo, "--no-refit", "--json")
    off = json.loads(out)["regions"][0]["components"]
    rc2, out2, _ = cli("xps", "casa", feo, "--no-refit", "--mfp-exponent", "0.6", "--json")
    d = json.loads(out2)
    assert rc == rc2 == 0 and d["mfp_exponent"] == 0.6
    on = d["regions"][0]["components"]
    ke = [1486.61 - c["stored"]["position_eV"] for c in off]
    r_off = off[0]["stored"]["percent_at"] / off[1]["stored"]["percent_at"]
    r_on = on[0]["stored"]["percent_at"] / on[1]["stored"]["percent_at"]
    assert r_on == pytest.approx(r_off * (ke[0] / ke[1]) ** -0.6, rel=1e-9)



def test_transmission_correction_uses_the_mfp_exponent_and_refuses_negative_kinetic_energy():
    from sselab.exceptions import AnalysisError
    # by hand: S = RSF · KE^x · KE^-0.5, KE = 1486.6 − BE; two lines, equal RSF and area
    areas = {"A": (100.0, None), "B": (100.0, None)}
    pos = {"A": 286.6, "B": 686.6}  # KE 1200 and 800 eV
    for x in (0.6, 0.75):
        q = quantify(areas, {"A": 1.0, "B": 1.0}, "transmission", pos, 1486.6, mfp_exponent=x)
        sa, sb = 1200.0 ** (x - 0.5), 800.0 ** (x - 0.5)
        assert q.to_dict()["atomic_percent"]["A"] == pytest.approx(100 * (1 / sa) / (1 / sa + 1 / sb), rel=1e-9)
    with pytest.raises(AnalysisError, match="not positive"):  # KE < 0: was a complex factor
        quantify(areas, {"A": 1.0, "B": 1.0}, "transmission", {"A": 1500.0, "B": 686.6}, 1486.6)
