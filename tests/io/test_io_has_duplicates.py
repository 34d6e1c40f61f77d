"""io.checks.has_duplicates says what ``np.unique(x).size < x.size`` says (the duplicate-frequency
test of the readers), NaN, ±0 and ±inf included."""

import numpy as np

from sselab.io.checks import has_duplicates


def test_same_answer_as_unique():
    rng = np.random.default_rng(0)
    cases = [np.array([]), np.array([1.0]), np.array([1.0, 1.0]), np.array([np.nan]), np.array([np.nan, np.nan]),
             np.array([np.nan, 1, np.nan]), np.array([np.inf, np.inf]), np.array([-np.inf, np.inf]),
             np.array([0.0, -0.0]), np.array([3, 2, 1.0])]
    cases += [rng.integers(0, 400, size=rng.integers(1, 40)).astype(float) for _ in range(500)]
    cases += [np.where(rng.random(20) < 0.05, np.nan, rng.integers(0, 500, 20).astype(float)) for _ in range(500)]
    answers = [has_duplicates(c) for c in cases]
    assert answers == [bool(np.unique(c).size < c.size) for c in cases]
    assert 200 < sum(answers) < len(cases) - 200  # both answers well represented
