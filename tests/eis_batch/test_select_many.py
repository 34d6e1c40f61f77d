"""The vectorised extra-start selection (select_many, and select: it on one row) equals a plain
per-spectrum loop over the selection rules written out here, pick for pick."""

import numpy as np
import pytest

from sselab.eis import initial_grid as g
from sselab.eis.circuit import Circuit
from sselab.eis.initial import all_many, starts_many


def _select_loop(c, d, coef, cost, span, n_starts, combo):
    """The selection rules spelled out one spectrum at a time: the best-scoring combination with
    each distinct arc placement for the first half, then the next ones moving some arc by at
    least a decade from every pick so far."""
    order = np.argsort(cost, kind="stable")
    if n_starts <= 1:
        picks = [int(np.argmin(cost))]
        order = np.arange(len(cost))
    else:
        position = d.positions[combo[order]]
        n_best = (n_starts + 1) // 2
        seen, picks = set(), []
        for j, key in enumerate(d.position_keys[combo[order]]):
            if key not in seen and len(picks) < n_best:
                picks.append(j)
            seen.add(key)
        after = picks[-1] + 1 if len(picks) == n_best else len(order)
        while position.shape[1] and len(picks) < n_starts and after < len(order):
            far = [j for j in range(after, len(order))
                   if all(np.abs(position[j] - position[q]).max() >= 1.0 for q in picks)]
            if not far:
                break
            picks.append(far[0])
            after = far[0] + 1
    out = []
    for j in picks:
        n, taus, tv = d.combos[combo[order[j]]]
        out.append(g.values_many(c, d, d.grid[list(taus)][None], np.full((1, len(taus)), n), [tv],
                                 coef[order[j]][None], np.array([span]))[0])
    return np.array(out)


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
                                  "p(R1,CPE1)-p(R2,CPE2)-p(R3,CPE3)", "R0-CPE1-L1"])  # the last: no arc to place
#: (25, 64) and (7, 8): the decade rule runs out of combinations before n_starts picks (and, with
#: 8 kept, one spectrum of the CPE-tail circuit has fewer distinct placements than the first half)
@pytest.mark.parametrize("n_starts, keep", [(1, 64), (2, 64), (4, 64), (7, 64), (25, 64), (7, 8)])
@pytest.mark.parametrize("compiled", [False, True])
def test_select_many_equals_select(monkeypatch, text, n_starts, keep, compiled):
    if compiled:
        pytest.importorskip("numba")
    from sselab.eis import kernel

    monkeypatch.setattr(kernel, "_LOADED", compiled)  # compiled: the picks by kernel._grid.pick_rows
    c, f, Z = _spectra(text, 40, seed=len(text) + n_starts)
    d = g.design(c, f)
    coef, cost = g.score(d, Z)
    keep = min(keep, cost.shape[1])
    rows = np.arange(len(Z))[:, None]
    tops = np.argpartition(cost, keep - 1, axis=1)[:, :keep]
    cf, cs = coef[rows, tops], cost[rows, tops]
    spans = np.abs(Z).max(axis=1)
    got = g.select_many(c, d, cf, cs, spans, n_starts, tops)
    if n_starts == 25 or keep == 8:  # the selection ran short of n_starts: the loops' exits exercised
        assert any(len(v) < n_starts for v in got)
    for s in range(len(Z)):
        ref = _select_loop(c, d, cf[s], cs[s], float(spans[s]), n_starts, tops[s])
        assert got[s].shape == ref.shape and len(ref) == min(n_starts, len(ref)) >= 1
        np.testing.assert_array_equal(got[s], ref)
        one = np.array(g.select(c, d, cf[s], cs[s], float(spans[s]), n_starts, index=tops[s]))
        np.testing.assert_array_equal(one, ref)
        if s < 3:  # every combination scored (no index)
            np.testing.assert_array_equal(np.array(g.select(c, d, coef[s], cost[s], float(spans[s]), n_starts)),
                                          _select_loop(c, d, coef[s], cost[s], float(spans[s]), n_starts,
                                                       np.arange(cost.shape[1])))


def test_all_many_gives_each_spectrums_starts():
    c, f, Z = _spectra("R0-p(R1,CPE1)-p(R2,CPE2)", 30, seed=3)
    together = all_many(starts_many(c, f, Z, 4)[5:25])
    alone = [s.all() for s in starts_many(c, f, Z, 4)[5:25]]
    for a, b in zip(together, alone):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("keep", [64, 10_000])
def test_best_kept_compiled_copies_equal_numpys_indexing(monkeypatch, keep):
    pytest.importorskip("numba")
    from sselab.eis import kernel
    from sselab.eis.initial_assemble import best_kept

    c, f, Z = _spectra("R0-p(R1,CPE1)-p(R2,CPE2)", 20, seed=8)
    coef, cost = g.score(g.design(c, f), Z)
    keep = min(keep, cost.shape[1])
    monkeypatch.setattr(kernel, "_LOADED", False)
    ref = best_kept(coef, cost, keep)
    monkeypatch.setattr(kernel, "_LOADED", True)
    got = best_kept(coef, cost, keep)
    rows = np.arange(len(Z))[:, None]
    np.testing.assert_array_equal(ref[1], coef[rows, ref[0]])
    assert (np.sort(ref[2], axis=1)[:, :3] == np.sort(cost, axis=1)[:, :3]).all()  # the best ones kept
    for a, b in zip(got, ref):
        np.testing.assert_array_equal(a, b)


def test_numpy_backend_keeps_the_helpers_numpy_after_load(monkeypatch):
    """SSELAB_FIT_KERNEL=numpy means no compiled code, even in a process that called kernel.load():
    the picks and the kept copies then come from numpy (the compiled helpers must not run)."""
    pytest.importorskip("numba")
    from sselab.eis import kernel
    from sselab.eis.initial_assemble import best_kept
    from sselab.eis.kernel import _grid

    c, f, Z = _spectra("R0-p(R1,CPE1)-p(R2,CPE2)", 5, seed=9)
    d = g.design(c, f)
    coef, cost = g.score(d, Z)
    spans = np.abs(Z).max(axis=1)
    monkeypatch.setattr(kernel, "_LOADED", True)
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "auto")
    tops, cf, cs = best_kept(coef, cost, 64)
    ref = g.select_many(c, d, cf, cs, spans, 4, tops)  # compiled helpers
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numpy")
    monkeypatch.setattr(_grid, "pick_rows", None)  # must not be called
    monkeypatch.setattr(_grid, "gather_rows", None)
    got_kept = best_kept(coef, cost, 64)
    for a, b in zip(got_kept, (tops, cf, cs)):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(g.select_many(c, d, cf, cs, spans, 4, tops), ref):
        np.testing.assert_array_equal(a, b)
