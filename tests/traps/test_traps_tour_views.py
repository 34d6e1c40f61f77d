"""`eis views` on biologic/peis.mpr printed "jump frequency 26.98 Hz (n = 1.500)", status ok: the
Jonscher exponent had run to the fit's bound 1.5, outside hopping's 0 < n < 1."""

from __future__ import annotations

import json


def test_jonscher_exponent_at_its_bound_is_a_warning(shared_data, cli):
    rc, out, err = cli("eis", "views", shared_data / "biologic" / "peis.mpr", "--thickness", "1 mm",
                       "--area", "1 cm2", "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert d["jonscher_n"] > 1.49
    assert d["status"] == "warning" and "jonscher_n_out_of_range" in [r["code"] for r in d["reasons"]]


def test_a_dummy_cell_keeps_an_ok_jonscher_fit(shared_data, cli):
    """Circuit1_EIS_1.z (an R-RC dummy cell, R0 + R1 = 75.8 Ω by `eis fit`): σ_dc = l/(A (R0 + R1))."""
    rc, out, err = cli("eis", "views", shared_data / "eis" / "Circuit1_EIS_1.z", "--thickness", "1 mm",
                       "--area", "1 cm2", "--json")
    d = json.loads(out)
    assert abs(d["sigma_dc_S_per_cm"] - 0.1 / 75.8) < 0.005 * 0.1 / 75.8
    assert d["jonscher_n"] < 1 and "jonscher_n_out_of_range" not in [r["code"] for r in d["reasons"]]
