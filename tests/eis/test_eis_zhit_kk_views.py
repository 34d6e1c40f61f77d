"""Z-HIT, the exploratory KK sweep and the σ′/M″/ε views: against simulated truth and real files."""

import json

import numpy as np
import pytest

from sselab.eis import simulate_spectrum
from sselab.eis.kk_explore import explore_kk
from sselab.eis.views import conductivity_views
from sselab.eis.zhit import zhit
from sselab.io import read
from sselab.io.writers import write_spectrum_csv
from sselab.measurements import Spectrum

F = np.logspace(6, -2, 80)
ARCS = ("R0-p(R1,CPE1)-p(R2,CPE2)", {"R0": 10, "R1": 100, "CPE1.Q": 1e-7, "CPE1.n": 0.8, "R2": 300,
                                     "CPE2.Q": 1e-4, "CPE2.n": 0.9})


def _drifting(s: Spectrum, amount: float) -> Spectrum:
    """The cell's resistance drifts by ``amount`` over the sweep (high to low frequency): a
    non-stationary, KK-violating spectrum."""
    drift = 1 + amount * np.linspace(0, 1, s.n_points)
    return Spectrum(frequency_Hz=s.frequency_Hz, impedance_ohm=s.impedance_ohm.real * drift + 1j * s.impedance_ohm.imag)


def test_zhit_reconstructs_exact_spectra_within_its_stated_error():
    for circuit, truth, limit in [("R0-p(R1,C1)", {"R0": 10, "R1": 100, "C1": 1e-5}, 0.033), (*ARCS, 0.02)]:
        for smoothing in ("none", "savgol"):
            r = zhit(simulate_spectrum(circuit, truth, F), smoothing=smoothing)
            assert r.max_residual < limit and r.passed and r.verdict.status == "ok"


def test_zhit_flags_drift():
    s = simulate_spectrum(*ARCS, F)
    r = zhit(_drifting(s, 0.3))
    assert not r.passed and r.verdict.codes == ("zhit_residuals",)
    noisy = simulate_spectrum(*ARCS, F, noise=0.002, seed=1)
    assert zhit(noisy).max_residual < 0.025  # smoothed phase: noise not amplified by dφ/d ln ω


def test_kk_explore_recommends_and_passes_clean_data_and_flags_drift():
    s = simulate_spectrum(*ARCS, F, noise=0.002, seed=4)
    ex = explore_kk(s)
    assert [w.name for w in ex.sweeps] == ["R-K", "R-K-C", "R-K-L", "R-K-C-L"]
    rec = ex.recommended
    k = list(rec.m).index(rec.recommended_m)
    floor = rec.pseudo_chi2.min()
    assert rec.pseudo_chi2[k] <= 1.5 * floor and rec.recommended_m == rec.floor_m
    # μ fell below 0.85 before the noise floor here (constant-phase arcs): reported, not followed
    assert rec.mu_m is not None and rec.mu_m < rec.floor_m and "before the noise floor" in rec.rule
    assert ex.final.n_elements == rec.recommended_m and ex.final.passed
    # 0.2 % noise: the residual χ² per point is about 2 × 0.002² (real and imaginary parts)
    assert ex.final.pseudo_chi2 / s.n_points == pytest.approx(2 * 0.002**2, rel=0.5)
    bad = explore_kk(_drifting(s, 0.3))
    assert not bad.final.passed and bad.verdict.status == "warning"


def test_kk_explore_prefers_series_capacitance_for_a_blocking_tail():
    s = simulate_spectrum("R0-p(R1,CPE1)-C2", {"R0": 10, "R1": 100, "CPE1.Q": 1e-6, "CPE1.n": 0.85, "C2": 1e-4},
                          F, noise=0.001, seed=2)
    ex = explore_kk(s)
    assert ex.recommended.capacitance and ex.final.passed


def test_views_against_truth():
    f = np.logspace(7, -2, 90)
    # bulk (1e-11 F → 1e-12 F/cm) + grain boundary (1e-9 F) + blocking electrode; L/A = 0.1 cm⁻¹
    s = simulate_spectrum("p(R1,C1)-p(R2,C2)-CPE3", {"R1": 1e4, "C1": 1e-11, "R2": 3e5, "C2": 1e-9, "CPE3.Q": 1e-6,
                                                     "CPE3.n": 0.85}, f)
    v = conductivity_views(s, thickness_cm=0.1, area_cm2=1.0)
    assert v.sigma_dc_S_per_cm == pytest.approx(0.1 / 3.1e5, rel=0.02)  # total: bulk + grain boundary
    bulk, gb = sorted(v.modulus_peaks, key=lambda p: -p["frequency_Hz"])
    assert bulk["C_F"] == pytest.approx(1e-11, rel=0.01) and bulk["kind"] == "bulk"
    assert gb["C_F"] == pytest.approx(1e-9, rel=0.1) and gb["kind"] == "grain boundary"
    assert bulk["frequency_Hz"] == pytest.approx(1 / (2 * np.pi * 1e4 * 1e-11), rel=0.1)
    # ε′ at high frequency is the bulk's: C1·L/(ε0 A)
    assert v.permittivity_real[-1] == pytest.approx(1e-11 * 0.1 / 8.8541878128e-14, rel=0.05)
    # Jonscher dispersion of an R‖CPE bulk: σ′ = σ_dc [1 + (f/f_j)^n], f_j = (R Q cos(nπ/2))^(−1/n)/2π
    R, Q, n = 1e4, 1e-8, 0.7
    s = simulate_spectrum("p(R1,CPE1)-CPE3", {"R1": R, "CPE1.Q": Q, "CPE1.n": n, "CPE3.Q": 1e-6, "CPE3.n": 0.85}, f)
    v = conductivity_views(s, thickness_cm=0.1, area_cm2=1.0)
    assert v.sigma_dc_S_per_cm == pytest.approx(0.1 / R, rel=0.02)
    assert v.jonscher_n == pytest.approx(n, abs=0.02)
    assert v.jump_frequency_Hz == pytest.approx((R * Q * np.cos(n * np.pi / 2)) ** (-1 / n) / (2 * np.pi), rel=0.15)
    # no dispersion in range: said, not invented
    s = simulate_spectrum("p(R1,C1)", {"R1": 1e4, "C1": 1e-11}, f)
    v = conductivity_views(s, thickness_cm=0.1, area_cm2=1.0)
    assert v.jump_frequency_Hz is None and "no_dispersion" in v.verdict.codes


def test_cli_zhit_explore_views(tmp_path, cli, shared_data):
    path = tmp_path / "drift.csv"
    write_spectrum_csv(path, _drifting(simulate_spectrum(*ARCS, F), 0.3))
    rc, out, _ = cli("eis", "zhit", path, "--json", "--plot", tmp_path / "z.png")
    d = json.loads(out)
    assert rc == 0 and d["status"] == "warning" and not d["passed"] and (tmp_path / "z.png").exists()
    example = shared_data / "eis" / "exampleData.csv"
    rc, out, _ = cli("eis", "kk", example, "--explore", "--drop-inductive", "--json")
    d = json.loads(out)
    assert rc == 0 and d["mask"]["n_masked"] == 9 and d["recommended_M"] == d["test"]["n_elements"]
    assert len(d["sweeps"]) == 4 and len(d["sweeps"][0]["mu"]) == len(d["sweeps"][0]["M"])
    blocking = shared_data / "realfiles" / "hybriddrt__PEIS_LPSCl_IonBlocking_-25C.txt"
    rc, out, err = cli("eis", "views", blocking, "--thickness", "1 mm", "--diameter", "10 mm", "--json")
    assert rc == 0, err
    d = json.loads(out)
    # σ′ plateau of this LPSCl pellet by eye on the σ′ plot: ~9e-5 S/cm for L/A = 0.1/0.785 cm⁻¹
    assert 7e-5 < d["sigma_dc_S_per_cm"] < 1.1e-4
    rc, _, err = cli("eis", "views", blocking, "--json")
    assert rc == 2 and "--thickness" in err
