"""Cyclic voltammetry on simulated Mg|SE-polymer|Mg voltammograms with known peaks."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.cycling.simulate import simulate_voltammogram
from sselab.cycling.voltammetry import find_vertices, voltammetry
from sselab.exceptions import AnalysisError
from sselab.measurements import Voltammogram


def test_peaks_and_onsets_recovered():
    vg = simulate_voltammogram(n_cycles=2, noise_A=2e-7, seed=2)
    truth = vg.metadata["truth"]
    res = voltammetry(vg)
    assert len(res.scans) == 2 and all(s.complete for s in res.scans)
    assert res.scan_rate_V_per_s == pytest.approx(1e-4, rel=1e-6)
    assert res.vertices_V == pytest.approx((-2.0, 2.0, -2.0, 2.0), abs=1e-9)
    for s in res.scans:
        assert s.deposition.potential_V == pytest.approx(truth["deposition_peak_V"], abs=0.01)
        assert s.dissolution.potential_V == pytest.approx(truth["dissolution_peak_V"], abs=0.01)
        assert s.deposition.current_A == pytest.approx(truth["deposition_peak_A"], rel=0.03)
        assert s.dissolution.current_A == pytest.approx(truth["dissolution_peak_A"], rel=0.03)
        # onset: 10 % of a Gaussian peak lies w sqrt(ln 10) = 0.2276 V before it
        assert s.deposition.onset_V == pytest.approx(truth["deposition_onset_V"], abs=0.015)
        assert s.dissolution.onset_V == pytest.approx(truth["dissolution_onset_V"], abs=0.015)
        assert not s.deposition.at_vertex and not s.dissolution.at_vertex


def test_branch_charges_and_coulombic_efficiency():
    vg = simulate_voltammogram(n_cycles=1, r_ohm=np.inf, capacitance_F=0.0)
    truth = vg.metadata["truth"]
    (s,) = voltammetry(vg).scans
    # Gaussian area: i_p w sqrt(pi) / nu
    assert -s.plating_charge_C == pytest.approx(2e-5 * 0.15 * np.sqrt(np.pi) / 1e-4, rel=2e-3)
    assert s.stripping_charge_C == pytest.approx(truth["stripping_charge_C"], rel=2e-3)
    assert s.coulombic_efficiency == pytest.approx(0.8, rel=3e-3)


def test_vertex_limited_current_is_flagged():
    vg = simulate_voltammogram(n_cycles=1, e_low_V=-1.5)   # sweep turns before the -1.6 V peak
    (s,) = voltammetry(vg).scans
    assert s.deposition.at_vertex
    assert s.dissolution.potential_V == pytest.approx(1.4, abs=0.01)


def test_vertices_ignore_noise():
    rng = np.random.default_rng(0)
    e = np.r_[np.linspace(0, 1, 200), np.linspace(1, 0, 200)] + rng.normal(0, 0.001, 400)
    v = find_vertices(e)
    assert len(v) == 1 and 190 <= v[0] <= 210


def test_constant_potential_is_an_error():
    t = np.arange(50.0)
    with pytest.raises(AnalysisError, match="never changes"):
        voltammetry(Voltammogram(time_s=t, potential_V=np.ones(50), current_A=np.zeros(50)))
