"""Real data: 12-hour DC hold of an ion-blocking Mo|LiBNH|Mo cell at 0.3 V.

SOURCES.md row "biologic/ca.mpr, ca.mpt" (dgbowl/yadg : tests/test_x_eclab/, GPL-3.0-or-later):
first point 18.6 µA recorded before the potential reached its set point, 29 nA at 60 s,
still drifting at the end.
"""

from __future__ import annotations

import pytest

from sselab.dc.transference import transference
from sselab.io import read


@pytest.mark.parametrize("name", ["ca.mpr", "ca.mpt"])
def test_real_ca_first_point_and_no_steady_state(shared_data, name):
    ct = read(shared_data / "biologic" / name, kind="transient")[0]
    res = transference(ct)
    assert res.I0_first_point_A == pytest.approx(18.6e-6, rel=0.01)
    assert not res.first_point_valid
    assert "extrapolated" in res.I0_method
    # the extrapolated I0 lies near the 29 nA recorded at 60 s, three orders below the bad point
    assert 25e-9 < res.I0_A < 100e-9
    assert res.set_potential_V == pytest.approx(0.3, abs=0.005)
    assert not res.steady.reached
    assert any("steady state not reached" in w for w in res.warnings)
    assert any("before the set potential" in w for w in res.warnings)
    # Is below the last currents (~3.5 nA) since the current still decays
    assert 0 < res.Is_A < res.steady.window_mean_A
    assert 0 < res.t_ion < 1


def test_real_ca_cli(cli, shared_data):
    import json

    rc, out, err = cli("dc", "tion", shared_data / "biologic" / "ca.mpr", "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert d["steady_state_reached"] is False
    assert d["I0"] == pytest.approx(d["I0_extrapolated_A"]) and d["first_point_valid"] is False
    assert {"t_ion", "I0", "Is", "Is_A", "I0_A"} <= set(d)
