"""First-order standard errors of the stack diagnosis (σ_ion, σ_el, t_el), checked by hand."""

from __future__ import annotations

import math

import pytest

from sselab.study.analyses_paper import _stack_errors


def test_t_el_stderr_is_the_propagated_one_at_t_el_one_half():
    # R0 = 100 ± 5, R1 = 900 ± 30 (R_bulk = 1000 Ω), R_el = 9000 ± 300 (R_dc = 10,000 Ω);
    # σ_ion = σ_el = 1e-3 S/cm, so t_el = 1/2
    d = {"R_bulk_ohm": 1000.0, "R_dc_ohm": 10000.0, "sigma_ion_S_per_cm": 1e-3, "sigma_el_S_per_cm": 1e-3,
         "t_el": 0.5, "fits": {"leaky": {"parameters": {"R0": {"stderr": 5.0}, "R1": {"stderr": 30.0},
                                                         "R_el": {"stderr": 300.0}}}}}
    _stack_errors(d)
    s_ion = 1e-3 * math.sqrt(5**2 + 30**2) / 1000
    s_el = 1e-3 * math.sqrt(5**2 + 30**2 + 300**2) / 10000
    assert d["sigma_ion_stderr_S_per_cm"] == pytest.approx(s_ion, rel=1e-12)
    assert d["sigma_el_stderr_S_per_cm"] == pytest.approx(s_el, rel=1e-12)
    # t = σe/(σi+σe): σ_t = √((σi·sσe)² + (σe·sσi)²)/(σi+σe)² = 0.0107070 (it was 2× that)
    want = math.hypot(1e-3 * s_el, 1e-3 * s_ion) / (2e-3) ** 2
    assert d["t_el_stderr"] == pytest.approx(want, rel=1e-12)
    assert d["t_el_stderr"] == pytest.approx(0.0107070, rel=1e-5)
