"""XRD: the analytic Rietveld Jacobian against central finite differences, and the speed-up
leaving refined values unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.xrd import get_phase, refine, simulate_pattern
from sselab.xrd.instrument import Instrument
from sselab.xrd.model import PowderModel
from sselab.xrd.peaks import tch_derivatives
from sselab.xrd.profiles import tch


@pytest.fixture(scope="module")
def small_model():
    """Cubic + monoclinic phase, Kα1/Kα2, monochromator, every profile term non-zero."""
    inst = Instrument.cu_ka(monochromator_2theta_deg=26.6, X=0.01, U=0.006, V=-0.003, W=0.003)
    m = PowderModel([get_phase("Mg3AsN"), get_phase("ZrO2-m")], np.linspace(24.0, 62.0, 900), inst, n_background=4,
                    preferred_orientation={"Mg3AsN": (1, 1, 0), "ZrO2-m": (1, 0, 1)})
    v = m.parameters().value_array.copy()
    rng = np.random.default_rng(7)
    for name, value in {"zero_deg": 0.03, "displacement_deg": -0.05, "transparency_deg": 0.02, "axial_deg": 0.01, "Mg3AsN.scale": 1.0, "ZrO2-m.scale": 0.5,
                        "Mg3AsN.D_nm": 30.0, "ZrO2-m.D_nm": 50.0, "Mg3AsN.strain": 2e-3, "ZrO2-m.strain": 1e-3,
                        "bkg0": 100.0, "bkg1": -10.0, "bkg2": 3.0, "bkg3": 1.0,
                        "Mg3AsN.po_r": 0.85, "ZrO2-m.po_r": 1.2, "rough_p": 0.3, "rough_q": 0.4}.items():
        v[m.index(name)] = value
    for i, n in enumerate(m.names):
        if ".B_" in n:
            v[i] = rng.uniform(0.2, 1.5)
        if ".occ_" in n:
            v[i] = rng.uniform(0.8, 1.0)
    return m, v


def test_analytic_jacobian_matches_finite_differences(small_model):
    m, v = small_model
    win = m.windows(v)
    free = np.arange(v.size)
    y, J = m.evaluate_jacobian(v, win, free)
    np.testing.assert_allclose(y, m.evaluate(v, win), rtol=1e-12, atol=1e-9 * y.max())
    for i, name in enumerate(m.names):
        # steps large enough that rounding (~1e-16·max y / h) stays far below the tolerance
        h = 1e-5 * max(abs(v[i]), 1.0) if name.startswith("bkg") else 1e-6 * max(abs(v[i]), 1e-3)
        vp, vm = v.copy(), v.copy()
        vp[i] += h
        vm[i] -= h
        fd = (m.evaluate(vp, win) - m.evaluate(vm, win)) / (2 * h)
        scale = max(np.abs(fd).max(), 1e-12)
        assert np.abs(J[:, i] - fd).max() <= 2e-5 * scale, name
        assert np.abs(J[:, i]).max() > 0, f"{name} has no effect on the pattern"


def test_tch_derivatives_match_finite_differences():
    g = np.array([0.05, 0.1, 0.2, 0.3])
    l = np.array([0.01, 0.2, 0.05, 0.3])
    total, eta, dFg, dFl, dEg, dEl = tch_derivatives(g, l)
    ref_total, ref_eta = tch(g, l)
    np.testing.assert_allclose(total, ref_total, rtol=1e-14)
    np.testing.assert_allclose(eta, ref_eta, rtol=1e-14)
    h = 1e-7
    for analytic, arg in ((dFg, 0), (dFl, 1)):
        args_p, args_m = [g.copy(), l.copy()], [g.copy(), l.copy()]
        args_p[arg] += h
        args_m[arg] -= h
        np.testing.assert_allclose(analytic, (tch(*args_p)[0] - tch(*args_m)[0]) / (2 * h), rtol=1e-6)
    for analytic, arg in ((dEg, 0), (dEl, 1)):
        args_p, args_m = [g.copy(), l.copy()], [g.copy(), l.copy()]
        args_p[arg] += h
        args_m[arg] -= h
        np.testing.assert_allclose(analytic, (tch(*args_p)[1] - tch(*args_m)[1]) / (2 * h), rtol=1e-6, atol=1e-9)


def test_refinement_with_analytic_jacobian_recovers_two_phase_truth():
    """The two-phase case of the benchmark, smaller: values and errors from the analytic
    Jacobian agree with the simulation truth."""
    phases = [get_phase("Mg3AsN"), get_phase("ZrO2-m")]
    pat = simulate_pattern(phases, np.linspace(20.0, 75.0, 2500), weight_fractions={"Mg3AsN": 0.8, "ZrO2-m": 0.2},
                           D_nm={"Mg3AsN": 14.1, "ZrO2-m": 40.0}, strain={"Mg3AsN": 6.67e-3}, peak_counts=2e4, seed=0)
    res = refine(pat, [get_phase("Mg3AsN").with_lattice(a=4.228), get_phase("ZrO2-m")])
    mg = res.phase("Mg3AsN")
    assert abs(mg.lattice["a"] - 4.2307) < 4 * mg.lattice_stderr["a"]
    assert abs(mg.crystallite_size_nm - 14.1) < 4 * mg.crystallite_size_stderr_nm
    assert abs(mg.weight_fraction - 0.8) < max(4 * mg.weight_fraction_stderr, 0.005)
    assert 0.85 < res.chi2 < 1.2
