"""Refinable Kα2/Kα1 intensity ratio (#16): off by default, recovered from a simulation with known truth."""

from __future__ import annotations

import json

import numpy as np

from sselab.xrd import get_phase, refine, simulate_pattern
from sselab.xrd.rietveld import DEFAULT_STAGES, Refinement

X = np.arange(20, 100, 0.02)


def _pattern():
    truth = get_phase("Mg3AsN").with_lattice(a=4.2239)
    return simulate_pattern([truth], X, D_nm={"Mg3AsN": 60.0}, peak_counts=5e4, seed=31, values={"ka2_ratio": 0.42})


def test_ka2_ratio_recovered_and_fixed_by_default():
    pat = _pattern()
    res = refine(pat, [get_phase("Mg3AsN")], stages=[*DEFAULT_STAGES[:-1], (*DEFAULT_STAGES[-1], "ka2_ratio")])
    e = res.fit["ka2_ratio"]
    assert abs(e.value - 0.42) < 3 * e.stderr and e.stderr < 0.01
    fixed = refine(pat, [get_phase("Mg3AsN")])
    assert fixed.fit["ka2_ratio"].fixed and fixed.fit["ka2_ratio"].value == 0.5
    assert fixed.Rwp > res.Rwp


def test_ka2_ratio_jacobian_column_matches_finite_difference():
    job = Refinement(_pattern(), [get_phase("Mg3AsN")])
    m, v = job.model, job.params.value_array.copy()
    i = m.index("ka2_ratio")
    win = m.windows(v)
    _, J = m.evaluate_jacobian(v, win, np.array([i]))
    h = 1e-4
    up, dn = v.copy(), v.copy()
    up[i] += h
    dn[i] -= h
    fd = (m.evaluate(up, win) - m.evaluate(dn, win)) / (2 * h)
    assert np.abs(fd).max() > 0
    np.testing.assert_allclose(J[:, 0], fd, rtol=1e-6, atol=1e-9 * np.abs(fd).max())


def test_cli_refine_ka2_ratio(cli, tmp_path):
    from sselab.io.formats.xrd_xy import write_xye

    f = str(write_xye(tmp_path / "k.xye", _pattern()))
    rc, out, err = cli("xrd", "refine", f, "--phases", "Mg3AsN", "--refine-ka2-ratio", "--json")
    p = json.loads(out)["parameters"]["ka2_ratio"]
    assert abs(p["value"] - 0.42) < 3 * p["stderr"]
    rc, out, err = cli("xrd", "refine", f, "--phases", "Mg3AsN", "--refine-ka2-ratio", "--monochromatic")
    assert rc == 2 and "Kα2" in err and "Traceback" not in err
