"""First-order standard errors of the stack diagnosis (σ_ion, σ_el, t_el), checked by hand
(:func:`sselab.transport.stacks._stderrs`, which ``eis stacks`` and the pipeline's ``stacks`` task share)."""

from __future__ import annotations

import math

import pytest

from sselab.transport.stacks import _stderrs


class _Fit:
    def __init__(self, stderrs):
        self.e = stderrs

    def __getitem__(self, name):
        return type("P", (), {"stderr": self.e[name]})()


def test_t_el_stderr_is_the_propagated_one_at_t_el_one_half():
    # R0 = 100 ± 5, R1 = 900 ± 30 (R_bulk = 1000 Ω), R_el = 9000 ± 300 (R_dc = 10,000 Ω);
    # σ_ion = σ_el = 1e-3 S/cm, so t_el = 1/2
    s_ion_got, s_el_got, t_got = _stderrs(_Fit({"R0": 5.0, "R1": 30.0, "R_el": 300.0}), True, 1000.0, 10000.0,
                                          1e-3, 1e-3, 0.5)
    s_ion = 1e-3 * math.sqrt(5**2 + 30**2) / 1000
    s_el = 1e-3 * math.sqrt(5**2 + 30**2 + 300**2) / 10000
    assert s_ion_got == pytest.approx(s_ion, rel=1e-12)
    assert s_el_got == pytest.approx(s_el, rel=1e-12)
    # t = σe/(σi+σe): σ_t = √((σi·sσe)² + (σe·sσi)²)/(σi+σe)² = 0.0107070 (it was 2× that)
    want = math.hypot(1e-3 * s_el, 1e-3 * s_ion) / (2e-3) ** 2
    assert t_got == pytest.approx(want, rel=1e-12)
    assert t_got == pytest.approx(0.0107070, rel=1e-5)


def test_no_stderr_when_a_resistance_has_none():
    # R_el undetermined (stderr None): no error at all, rather than one computed as if it were exact
    assert _stderrs(_Fit({"R0": 5.0, "R1": 30.0, "R_el": None}), True, 1000.0, 10000.0, 1e-3, 1e-3, 0.5) == \
        (None, None, None)


def _bv_task(reasons):
    from sselab.study.tasks import make_task

    inputs = {"hold": {"I0_A": 1.0e-5, "I0_stderr_A": 1e-8, "Is_A": 6.0e-6, "Is_stderr_A": 1e-8, "set_potential_V": 0.01},
              "before": {"element": "R1", "R_ohm": 100.0, "R_stderr_ohm": 1.0},
              "after": {"element": "R1", "R_ohm": 120.0, "R_stderr_ohm": 1.0}, "reasons": reasons}
    return make_task(id="s/dc/bruce-vincent", kind="bruce_vincent", sample="s", technique="dc", files=[],
                     settings={}, context={"sample": "s", "voltage_V": 0.01, "inputs": inputs}, version="test")


def test_bruce_vincent_task_inherits_a_failed_input():
    from sselab.study.analyses_paper import bruce_vincent_task

    ok = bruce_vincent_task(_bv_task([]))
    # t+ = Is(ΔV − I0 R0) / (I0(ΔV − Is Rss)) by hand
    assert ok["t_plus"] == pytest.approx(6e-6 * (0.01 - 1e-5 * 100) / (1e-5 * (0.01 - 6e-6 * 120)), rel=1e-9)
    bad = bruce_vincent_task(_bv_task([{"code": "input_failed", "message": "input EIS fit before failed",
                                        "severity": "failed"}]))
    assert bad["status"] == "failed" and "input_failed" in [r["code"] for r in bad["reasons"]]
    assert bad["t_plus"] == ok["t_plus"]  # the number is kept, its verdict says it rests on a failed fit
