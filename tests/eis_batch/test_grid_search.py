"""The compiled grid search in one call (initial_grid.search → kernel._grid.search_rows) against
the stages it fuses (score, argmin, refine) and against the numpy reference."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.eis import initial_grid, kernel
from sselab.eis.circuit import Circuit

pytest.importorskip("numba")

F = np.logspace(6, -1, 60)
CIRCUITS = ["R0-p(R1,CPE1)-p(R2,CPE2)", "R0-p(R1,C1)-p(R2,CPE2)-W1", "p(R1,CPE1)-p(R2,CPE2)-p(R3,CPE3)"]


def _spectra(text: str, n: int, seed: int) -> np.ndarray:
    c = Circuit(text)
    rng = np.random.default_rng(seed)
    P = []
    for _ in range(n):
        v = []
        for name in c.parameter_names:
            if name.endswith(".n"):
                v.append(rng.uniform(0.6, 0.98))
            elif c.element_type(name.partition(".")[0]) in ("R", "W"):
                v.append(10 ** rng.uniform(0, 5))
            else:
                v.append(10 ** rng.uniform(-10, -5))
        P.append(v)
    z = c.impedance(F, np.array(P))
    return z + 0.004 * np.abs(z) * (rng.standard_normal(z.shape) + 1j * rng.standard_normal(z.shape))


def _staged(c, d, Z, spans):
    coef, cost = initial_grid.score(d, Z)
    return coef, cost, initial_grid.refine(c, d, F, Z, np.argmin(cost, axis=1), spans)


@pytest.mark.parametrize("text", CIRCUITS)
def test_search_is_score_argmin_refine_bit_for_bit(monkeypatch, text):
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numba")
    monkeypatch.setenv("SSELAB_FIT_THREADS", "1")
    c, Z = Circuit(text), _spectra(text, 30, seed=len(text))
    d = initial_grid.design(c, F)
    spans = np.abs(Z).max(axis=1)
    got = initial_grid.search(c, d, F, Z, spans)
    ref = _staged(c, d, Z, spans)
    for a, b in zip(got, ref):
        np.testing.assert_array_equal(a, b)
    # rows on the thread pool: the same
    monkeypatch.setenv("SSELAB_FIT_THREADS", "2")
    monkeypatch.setattr(kernel, "PARALLEL_MIN_ROWS", 1)
    for a, b in zip(initial_grid.search(c, d, F, Z, spans), ref):
        np.testing.assert_array_equal(a, b)
    # and the numpy reference: the same picks, the starts to rounding
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numpy")
    coef, cost, bests = initial_grid.search(c, d, F, Z, spans, block=7)
    np.testing.assert_array_equal(np.argmin(cost, axis=1), np.argmin(got[1], axis=1))
    np.testing.assert_allclose(bests, got[2], rtol=1e-9)
    np.testing.assert_allclose(cost, got[1], rtol=1e-9, atol=1e-9 * np.abs(cost).max())


def test_search_redoes_a_row_whose_factorisation_broke_down(monkeypatch):
    """A row the kernel hands back (best = −1) is scored and refined by the staged path."""
    from sselab.eis.kernel import _grid

    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numba")
    monkeypatch.setenv("SSELAB_FIT_THREADS", "1")
    text = CIRCUITS[0]
    c, Z = Circuit(text), _spectra(text, 6, seed=3)
    d = initial_grid.design(c, F)
    spans = np.abs(Z).max(axis=1)
    real = _grid.search_rows_serial

    def broken(*args):
        real(*args)
        args[22][[1, 4]] = -1  # best
        args[20][1, :5] = np.nan  # cost of the handed-back rows: to be redone
        args[20][4, :] = 0.0

    monkeypatch.setattr(_grid, "search_rows_serial", broken)
    got = initial_grid.search(c, d, F, Z, spans)
    monkeypatch.setattr(_grid, "search_rows_serial", real)
    ref = _staged(c, d, Z, spans)
    for a, b in zip(got, ref):
        np.testing.assert_array_equal(a, b)


def test_auto_without_load_keeps_the_staged_search(monkeypatch):
    """``auto`` without kernel.load(): a large batch's score is compiled but a block's refinement
    is not; the search stays staged (the same numbers as before the fused kernel)."""
    from sselab.eis.kernel import _grid

    monkeypatch.delenv("SSELAB_FIT_KERNEL", raising=False)
    monkeypatch.setattr(kernel, "_LOADED", False)
    monkeypatch.setattr(kernel, "AUTO_MIN_ROWS", 10)
    monkeypatch.setattr(_grid, "search_rows_serial", None)  # must not be called
    monkeypatch.setattr(_grid, "search_rows", None)
    text = CIRCUITS[0]
    c, Z = Circuit(text), _spectra(text, 30, seed=4)
    d = initial_grid.design(c, F)
    spans = np.abs(Z).max(axis=1)
    coef, cost, bests = initial_grid.search(c, d, F, Z, spans, block=7)
    ref_coef, ref_cost = initial_grid.score(d, Z)
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numpy")  # what each block of 7 ran: numpy's refinement
    ref = np.concatenate([initial_grid.refine(c, d, F, Z[lo:lo + 7], np.argmin(ref_cost[lo:lo + 7], axis=1),
                                              spans[lo:lo + 7]) for lo in range(0, 30, 7)])
    np.testing.assert_array_equal(coef, ref_coef)
    np.testing.assert_array_equal(bests, ref)
