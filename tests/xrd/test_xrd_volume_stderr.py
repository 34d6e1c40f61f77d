"""Standard errors of the refined cell volume and X-ray density, carried by the Rietveld result
(PhaseResult.volume_stderr_A3, density_stderr_g_cm3): checked against the propagation by hand."""

from __future__ import annotations

import numpy as np

from sselab.xrd import get_phase, refine, simulate_pattern


def test_cubic_and_tetragonal_cells_propagate_their_lattice_covariance():
    phases = [get_phase("Mg3AsN"), get_phase("ZrO2-t")]
    pat = simulate_pattern(phases, np.arange(25, 80, 0.02), weight_fractions={"Mg3AsN": 0.7, "ZrO2-t": 0.3},
                           peak_counts=2e4, seed=3)
    res = refine(pat, phases)
    free = list(res.fit.free_names)
    cov = np.asarray(res.fit.covariance)
    cubic, tet = res.phase("Mg3AsN"), res.phase("ZrO2-t")
    a, sa = cubic.lattice["a"], cubic.lattice_stderr["a"]
    assert sa and abs(cubic.volume_stderr_A3 - 3 * cubic.volume_A3 * sa / a) < 1e-8 * cubic.volume_stderr_A3
    assert abs(cubic.density_stderr_g_cm3 - 3 * cubic.density_g_cm3 * sa / a) < 1e-8 * cubic.density_stderr_g_cm3
    # V = a²c: σ² = (2ac)²σa² + (a²)²σc² + 2·(2ac)(a²)·cov(a, c)
    ia, ic = free.index("ZrO2-t.a"), free.index("ZrO2-t.c")
    a, c = tet.lattice["a"], tet.lattice["c"]
    g = np.array([2 * a * c, a * a])
    want = float(np.sqrt(g @ cov[np.ix_([ia, ic], [ia, ic])] @ g))
    assert abs(cov[ia, ic]) > 0 and abs(tet.volume_stderr_A3 - want) < 1e-8 * want
    assert abs(tet.density_stderr_g_cm3 - tet.density_g_cm3 * want / tet.volume_A3) < 1e-8 * tet.density_stderr_g_cm3
    d = tet.to_dict()
    assert d["volume_stderr_A3"] == tet.volume_stderr_A3 and d["density_stderr_g_cm3"] == tet.density_stderr_g_cm3


def test_a_lattice_parameter_tied_to_another_counts_through_its_master():
    # c tied to a (c = k·a): V = k·a³, so σ(V) = 3V·σ(a)/a, not the 2V·σ(a)/a of ∂V/∂a with c held
    phases = [get_phase("Mg3AsN"), get_phase("ZrO2-t")]
    pat = simulate_pattern(phases, np.arange(25, 80, 0.02), weight_fractions={"Mg3AsN": 0.7, "ZrO2-t": 0.3},
                           peak_counts=2e4, seed=3)
    lp = phases[1].lattice_parameters
    res = refine(pat, phases, ties={"ZrO2-t.c": ("ZrO2-t.a", 0.0, lp["c"] / lp["a"])})
    tet = res.phase("ZrO2-t")
    assert "ZrO2-t.c" not in res.fit.free_names
    want = 3 * tet.volume_A3 * tet.lattice_stderr["a"] / tet.lattice["a"]
    assert abs(tet.volume_stderr_A3 - want) < 1e-8 * want
    assert abs(tet.density_stderr_g_cm3 - tet.density_g_cm3 * want / tet.volume_A3) < 1e-8 * tet.density_stderr_g_cm3
