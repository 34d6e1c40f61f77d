"""Suortti surface roughness: analytic SR against a hand calculation, and recovery from a simulated pattern."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sselab.xrd.library import mg3asn, zro2_monoclinic
from sselab.xrd.rietveld import DEFAULT_STAGES, refine
from sselab.xrd.roughness import surface_roughness
from sselab.xrd.simulate import simulate_pattern

TRUTH = {"rough_p": 0.25, "rough_q": 0.6}


def test_suortti_formula_by_hand():
    p, q, th = 0.25, 0.6, math.radians(12.0)
    sr, *_ = surface_roughness(p, q, np.array([math.sin(th)]), np.array([math.cos(th)]))
    hand = (p + (1 - p) * math.exp(-q / math.sin(th))) / (p + (1 - p) * math.exp(-q))
    assert sr[0] == pytest.approx(hand, rel=1e-12)
    assert surface_roughness(0.7, 0.0, np.array([0.2]), np.array([0.98]))[0][0] == pytest.approx(1.0)  # q = 0: smooth


@pytest.fixture(scope="module")
def rough_pattern():
    phases = [mg3asn(), zro2_monoclinic()]
    return simulate_pattern(phases, np.arange(15, 110, 0.02), peak_counts=3e4, seed=17, values=TRUTH)


def test_roughness_recovered_within_uncertainty(rough_pattern):
    stages = [*DEFAULT_STAGES[:2], (*DEFAULT_STAGES[1], "rough_p", "rough_q")]
    res = refine(rough_pattern, [mg3asn(), zro2_monoclinic()], stages=stages)
    for name, truth in TRUTH.items():
        est = res.fit[name]
        assert est.stderr is not None and est.stderr < 0.2
        assert est.value == pytest.approx(truth, abs=3 * est.stderr), (name, est.value, est.stderr)
    # left uncorrected, the same pattern fits worse
    plain = refine(rough_pattern, [mg3asn(), zro2_monoclinic()], stages=DEFAULT_STAGES[:2])
    assert plain.Rwp > res.Rwp + 0.2


def test_cli_roughness(rough_pattern, cli, tmp_path):
    from sselab.io.formats.xrd_xy import write_xye

    f = write_xye(tmp_path / "rough.xye", rough_pattern)
    rc, out, err = cli("xrd", "refine", f, "--phases", "Mg3AsN,ZrO2-m", "--roughness", "--json")
    assert rc in (0, 3), err
    params = json.loads(out)["parameters"]
    for name, truth in TRUTH.items():
        assert params[name]["value"] == pytest.approx(truth, abs=max(3 * (params[name]["stderr"] or 0), 0.05))
