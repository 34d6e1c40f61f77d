"""`arrhenius` on a table whose T_K column holds °C values (25–80) gave Ea = 0.0071 eV with only
R² and extrapolation warnings; the temperatures themselves are now questioned."""

from __future__ import annotations

import json
import math

import pytest

from sselab.transport.arrhenius import arrhenius

SIGMA = [1e-4, 2e-4, 5e-4, 1.1e-3]


def test_celsius_values_under_a_kelvin_header_are_questioned(tmp_path, cli):
    table = tmp_path / "t.csv"
    table.write_text("T_K,sigma_S_per_cm\n" + "".join(f"{t},{s}\n" for t, s in zip((25, 40, 60, 80), SIGMA)))
    rc, out, err = cli("arrhenius", table, "--json")
    assert rc == 0, err
    assert "implausible_temperature" in [r["code"] for r in json.loads(out)["reasons"]]


def test_real_temperatures_are_not_questioned():
    T = [t + 273.15 for t in (25, 40, 60, 80)]
    res = arrhenius(T, SIGMA)
    assert "implausible_temperature" not in res.verdict.codes
    # Ea by hand from the end points: k_B ln(σ2/σ1) / (1/T1 − 1/T2) (the fit is close to it)
    assert res.Ea_eV == pytest.approx(8.617333e-5 * math.log(11) / (1 / T[0] - 1 / T[-1]), rel=0.05)
