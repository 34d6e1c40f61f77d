"""Arrhenius fits: the paper's two-point arithmetic, round trips in both conventions, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sselab.exceptions import AnalysisError, ReaderError
from sselab.transport.arrhenius import arrhenius
from sselab.transport.table import read_table
from sselab.units import K_B_EV


def test_paper_two_point_activation_energy():
    # REFERENCE §4: eBE|SE|eBE stack 0.094 mS/cm at 40 °C, 0.76 mS/cm at 100 °C -> Ea ≈ 0.35 eV (σ convention)
    res = arrhenius([313.15, 373.15], [0.094e-3, 0.76e-3], convention="sigma")
    hand = K_B_EV * math.log(0.76 / 0.094) / (1 / 313.15 - 1 / 373.15)
    assert res.Ea_eV == pytest.approx(hand, rel=1e-10)
    assert res.Ea_eV == pytest.approx(0.35, abs=0.005)
    assert res.Ea_kJ_per_mol == pytest.approx(hand * 96.48533212)
    assert any("only 2 temperatures" in w for w in res.warnings)
    # the σT convention gives a different Ea: larger by k·ln(T2/T1)/(1/T1 - 1/T2) ≈ kT
    resT = arrhenius([313.15, 373.15], [0.094e-3, 0.76e-3], convention="sigmaT")
    extra = K_B_EV * math.log(373.15 / 313.15) / (1 / 313.15 - 1 / 373.15)
    assert resT.Ea_eV == pytest.approx(hand + extra, rel=1e-10)
    assert resT.convention == "sigmaT"


@pytest.mark.parametrize("convention", ["sigma", "sigmaT"])
def test_round_trip_with_noise(convention):
    rng = np.random.default_rng(3)
    T = np.array([313.15, 323.15, 333.15, 343.15, 353.15, 363.15, 373.15])
    Ea, pre = 0.30, 50.0
    y = pre * np.exp(-Ea / (K_B_EV * T))
    sigma = y / T if convention == "sigmaT" else y
    noisy = sigma * np.exp(0.02 * rng.standard_normal(T.size))
    res = arrhenius(T, noisy, sigma_stderr_S_per_cm=0.02 * noisy, convention=convention)
    assert abs(res.Ea_eV - Ea) < 3 * res.Ea_stderr_eV
    assert res.Ea_stderr_eV < 0.02
    assert res.r_squared > 0.99
    true25 = pre * math.exp(-Ea / (K_B_EV * 298.15)) / (298.15 if convention == "sigmaT" else 1)
    lo, hi = res.sigma_25C_ci95_S_per_cm
    assert lo < true25 < hi
    assert res.predict(353.15) == pytest.approx(sigma[4], rel=0.05)


def test_exact_data_unweighted():
    T = np.array([300.0, 330.0, 360.0])
    s = 10.0 * np.exp(-0.4 / (K_B_EV * T))
    res = arrhenius(T, s)
    assert res.Ea_eV == pytest.approx(0.4, rel=1e-9)
    assert res.prefactor == pytest.approx(10.0, rel=1e-8)


def test_non_physical_and_too_few():
    with pytest.raises(AnalysisError, match="at least 2"):
        arrhenius([373.15], [1e-4])
    with pytest.raises(AnalysisError, match="at least 2"):
        arrhenius([373.15, 373.15], [1e-4, 2e-4])
    res = arrhenius([313.15, 343.15, 373.15], [3e-4, 2e-4, 1e-4])
    assert any("non-physical" in w for w in res.warnings)
    with pytest.raises(AnalysisError):
        arrhenius([313.15, 373.15], [1e-4, -1e-4])
    with pytest.raises(AnalysisError):
        arrhenius([313.15, 373.15], [1e-4, 1e-3], convention="sigmaT2")


def test_table_units_from_header(tmp_path):
    p = tmp_path / "k.csv"
    p.write_text("temperature_K;sigma_S_per_cm;sigma_stderr\n313.15;1e-4;1e-6\n373.15;7e-4;1e-5\n")
    t = read_table(p)
    assert t.temperature_K == (313.15, 373.15) and t.sigma_stderr_S_per_cm == (1e-6, 1e-5)
    q = tmp_path / "u.csv"
    q.write_text("T,sigma\n40,1e-4\n100,7e-4\n")
    with pytest.raises(ReaderError, match="°C or K"):
        read_table(q)
    assert read_table(q, "C").temperature_K == pytest.approx((313.15, 373.15))
