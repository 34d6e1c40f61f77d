"""XRD: the Bragg–Brentano peak-shift terms (zero, displacement ∝ cosθ, transparency ∝ sin2θ,
axial-divergence centroid shift ∝ cot2θ) recovered with the cell from a simulated pattern."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.xrd import Refinement, simulate_pattern
from sselab.xrd.library import lab6

TRUTH = {"zero_deg": 0.01, "displacement_deg": -0.03, "transparency_deg": 0.015, "axial_deg": 0.004}
A_TRUE = 4.1569162


@pytest.fixture(scope="module")
def shifted_pattern():
    return simulate_pattern([lab6(A_TRUE)], np.arange(15.0, 145.0, 0.01), values=TRUTH, peak_counts=2e5, seed=16)


def _refine(pattern, shifts):
    job = Refinement(pattern, [lab6(A_TRUE * 1.0002)], n_background=6)
    base = ("*.scale", "bkg*")
    return job.run([base, (*base, "zero_deg", "LaB6.a"), (*base, "zero_deg", "LaB6.a", "U", "V", "W", "Y"),
                    (*base, "LaB6.a", "U", "V", "W", "Y", *shifts)])


def test_every_shift_term_and_the_cell_are_recovered(shifted_pattern):
    res = _refine(shifted_pattern, tuple(TRUTH))
    for name, true in TRUTH.items():
        e = res.fit[name]
        assert abs(e.value - true) < 3 * e.stderr, (name, e.value, e.stderr)
        assert e.stderr < abs(true) / 3, (name, e.stderr)  # determined, not just "consistent with anything"
    a, sa = res.phases[0].lattice["a"], res.phases[0].lattice_stderr["a"]
    assert abs(a - A_TRUE) < 3 * sa and sa < 2e-5
    assert res.chi2 < 1.2


def test_leaving_out_transparency_and_axial_biases_the_cell(shifted_pattern):
    """The same pattern refined with zero and displacement only: the cell moves by many σ
    and the fit is visibly worse — the terms are needed, not decorative."""
    res = _refine(shifted_pattern, ("zero_deg", "displacement_deg"))
    a, sa = res.phases[0].lattice["a"], res.phases[0].lattice_stderr["a"]
    assert abs(a - A_TRUE) > 5 * sa
    assert res.chi2 > 1.5


def test_cli_refines_transparency_and_axial_shift(cli, tmp_path, shifted_pattern):
    """``xrd refine --displacement --transparency --axial``: the terms with esds in the JSON and the text,
    their values consistent with the simulation's (zero held at 0 here, so only within a loose bound)."""
    import json

    path = tmp_path / "lab6_shifted.xye"
    p = shifted_pattern
    np.savetxt(path, np.column_stack([p.two_theta_deg, p.intensity, p.sigma]))
    rc, text, err = cli("xrd", "refine", path, "--phases", "LaB6", "--displacement", "--transparency", "--axial",
                        "--wavelength", "1.540598", "--json")
    assert rc in (0, 3), err
    params = json.loads(text)["parameters"]
    for name in ("transparency_deg", "axial_deg", "displacement_deg"):
        assert not params[name]["fixed"] and params[name]["stderr"] > 0, name
    assert params["zero_deg"]["fixed"]
    # the zero (0.01° in the simulation) is held at 0, so the other three absorb it: same sign, loose bound
    assert 0.0 < params["axial_deg"]["value"] < 0.02 and 0.0 < params["transparency_deg"]["value"] < 0.05
    rc, text, err = cli("xrd", "refine", path, "--phases", "LaB6", "--zero", "--axial", "--wavelength", "1.540598")
    assert rc in (0, 3), err
    assert "axial_deg" in text and "transparency_deg" not in text


def test_correlated_shift_terms_are_reported(shifted_pattern):
    """Zero and displacement refined together on a pattern whose shifts need four terms: the split is
    reported (shifts_correlated) only when both are free."""
    both = _refine(shifted_pattern, ("zero_deg", "displacement_deg"))
    codes = [r.code for r in both.verdict.reasons]
    r = both.fit.correlation
    free = [e.name for e in both.fit.parameters if not e.fixed]
    assert abs(r[free.index("zero_deg"), free.index("displacement_deg")]) > 0.99
    assert "shifts_correlated" in codes
    one = _refine(shifted_pattern, ("displacement_deg",))
    assert "shifts_correlated" not in [r.code for r in one.verdict.reasons]
