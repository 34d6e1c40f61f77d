"""Interface ageing: trend/verdict on arrays, and the circuit-fit series on simulated spectra."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sselab.cycling.ageing import ageing_trend, default_parameter, interface_ageing
from sselab.exceptions import AnalysisError

CIRCUIT = "R0-p(R1,CPE1)-p(R2,CPE2)"


def test_growing_trend_and_rate():
    t = np.arange(7) * 24.0
    tr = ageing_trend(t, 400 + 12 * np.arange(7), np.full(7, 2.0))
    assert tr.verdict == "growing"
    assert tr.slope_ohm_per_h == pytest.approx(0.5, rel=1e-9)
    assert tr.relative_rate_per_day == pytest.approx(12 / 400, rel=1e-9)


def test_stable_when_not_significant_or_not_relevant():
    rng = np.random.default_rng(0)
    t = np.arange(7) * 24.0
    noisy = 400 + rng.normal(0, 5, 7)
    assert ageing_trend(t, noisy, np.full(7, 5.0)).verdict == "stable"
    # significant but only 0.25 %/day (< 2 %/day): stable
    tr = ageing_trend(t, 400 + 1.0 * np.arange(7), np.full(7, 0.01))
    assert tr.verdict == "stable"
    assert tr.slope_ohm_per_h == pytest.approx(1 / 24, rel=1e-9)


def test_decreasing_and_too_few_points():
    t = np.arange(5) * 24.0
    assert ageing_trend(t, 500 - 40 * np.arange(5), np.ones(5)).verdict == "decreasing"
    with pytest.raises(AnalysisError, match="at least three"):
        ageing_trend([0, 1], [1, 2], [0.1, 0.1])


def test_default_parameter_is_last_resistance():
    assert default_parameter(CIRCUIT) == "R2"


def _series(slope_ohm_per_day: float, n: int = 5):
    from sselab.eis import simulate_spectrum

    return [
        simulate_spectrum(CIRCUIT, {"R0": 10, "R1": 200, "CPE1.Q": 1e-10, "CPE1.n": 0.9,
                                    "R2": 500 + slope_ohm_per_day * k, "CPE2.Q": 1e-6, "CPE2.n": 0.85},
                          noise=0.003, seed=k, source=f"day{k}")
        for k in range(n)
    ]


def test_interface_ageing_on_simulated_series():
    res = interface_ageing(_series(25.0), CIRCUIT, time_h=[0, 24, 48, 72, 96])
    assert res.parameter == "R2"
    assert res.trend.verdict == "growing"
    assert res.trend.slope_ohm_per_h * 24 == pytest.approx(25.0, rel=0.05)
    assert res.trend.R0_ohm == pytest.approx(500, rel=0.01)
    json.dumps(res.to_dict())


def test_ageing_cli(cli, tmp_path):
    files = []
    for k, s in enumerate(_series(0.0, 4)):
        p = tmp_path / f"day{k}.csv"
        np.savetxt(p, np.column_stack([s.frequency_Hz, s.impedance_ohm.real, s.impedance_ohm.imag]),
                   delimiter=",", header="freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm", comments="")
        files.append(p)
    rc, out, err = cli("eis", "ageing", *files, "--circuit", CIRCUIT, "--times", "0,24,48,72", "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert d["verdict"] == "stable" and d["parameter"] == "R2"
    assert d["R_ohm"] == pytest.approx([500] * 4, rel=0.02)
