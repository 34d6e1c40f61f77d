"""The vectorised extra-start selection equals the per-spectrum one, pick for pick."""

import numpy as np
import pytest

from sselab.eis import initial_grid as g
from sselab.eis.circuit import Circuit
from sselab.eis.initial import all_many, starts_many


def _spectra(text: str, n: int, seed: int):
    c = Circuit(text)
    rng = np.random.default_rng(seed)
    f = np.logspace(6, -1, 60)
    P = []
    for _ in range(n):
        v = []
        for name in c.parameter_names:
            if name.endswith(".n"):
                v.append(rng.uniform(0.6, 0.98))
            elif c.element_type(name.partition(".")[0]) == "R":
                v.append(10 ** rng.uniform(0, 5))
            else:
                v.append(10 ** rng.uniform(-10, -5))
        P.append(v)
    z = c.impedance(f, np.array(P))
    z = z + 0.004 * np.abs(z) * (rng.standard_normal(z.shape) + 1j * rng.standard_normal(z.shape))
    return c, f, z


@pytest.mark.parametrize("text", ["R0-p(R1,CPE1)-p(R2,CPE2)", "R0-p(R1,CPE1)-CPE2", "R0-p(R1,C1)-p(R2,CPE2)-W1",
                                  "p(R1,CPE1)-p(R2,CPE2)-p(R3,CPE3)"])
@pytest.mark.parametrize("n_starts", [2, 4, 7])
def test_select_many_equals_select(text, n_starts):
    c, f, Z = _spectra(text, 40, seed=len(text) + n_starts)
    d = g.design(c, f)
    coef, cost = g.score(d, Z)
    keep = min(64, cost.shape[1])
    rows = np.arange(len(Z))[:, None]
    tops = np.argpartition(cost, keep - 1, axis=1)[:, :keep]
    cf, cs = coef[rows, tops], cost[rows, tops]
    spans = np.abs(Z).max(axis=1)
    got = g.select_many(c, d, cf, cs, spans, n_starts, tops)
    for s in range(len(Z)):
        ref = np.array(g.select(c, d, cf[s], cs[s], float(spans[s]), n_starts, index=tops[s]))
        assert got[s].shape == ref.shape
        np.testing.assert_array_equal(got[s], ref)


def test_all_many_gives_each_spectrums_starts():
    c, f, Z = _spectra("R0-p(R1,CPE1)-p(R2,CPE2)", 30, seed=3)
    together = all_many(starts_many(c, f, Z, 4)[5:25])
    alone = [s.all() for s in starts_many(c, f, Z, 4)[5:25]]
    for a, b in zip(together, alone):
        np.testing.assert_array_equal(a, b)
