"""The paper's measurements simulated in memory recover their truth (sselab.simulate.paper_extra)."""

import math

from sselab.simulate.paper_extra import composite_conductivity, hot_pressed_sigma_el, stack_comparison


def test_stack_comparison_recovers_as_bm_conductivities_and_calls_it_ionic():
    d = stack_comparison(seed=3)
    t = d["truth"]
    assert abs(d["sigma_ion_S_per_cm"] / t["sigma_ion_S_per_cm"] - 1) < 0.01
    assert abs(d["sigma_el_S_per_cm"] / t["sigma_el_S_per_cm"] - 1) < 0.05
    # by hand: 4.9e-8 / (5.54e-4 + 4.9e-8) = 8.84e-5 < 0.01 -> ionic, whatever the paper's DC t_ion says
    assert abs(t["t_el"] - 4.9e-8 / (5.54e-4 + 4.9e-8)) < 1e-12
    assert d["conductor"] == "ionic" == t["conductor"]


def test_hot_pressed_sigma_el_within_its_uncertainty():
    for sample, truth in (("as-BM", 1.5e-6), ("600C-12h", 2.4e-8)):
        h = hot_pressed_sigma_el(sample, seed=5)
        assert h["truth_sigma_el_S_per_cm"] == truth
        assert abs(h["sigma_el_S_per_cm"] - truth) < 4 * h["sigma_el_stderr_S_per_cm"], (sample, h["sigma_el_S_per_cm"])


def test_composite_sigma_rt_and_ea_within_uncertainty():
    c = composite_conductivity(seed=7)
    assert abs(c["sigma_RT_S_per_cm"] - 1.34e-4) < 4 * c["sigma_RT_stderr_S_per_cm"]
    assert abs(c["Ea_eV"] - 0.174) < 4 * c["Ea_stderr_eV"]
    # the simulated σ(T) follows the Arrhenius law from 0.134 mS/cm with 0.174 eV: σ(80 °C) by hand
    by_hand = 1.34e-4 * math.exp(-0.174 / 8.617333e-5 * (1 / 353.15 - 1 / 298.15))
    assert abs(c["sigma_S_per_cm"][-1] / by_hand - 1) < 0.01
