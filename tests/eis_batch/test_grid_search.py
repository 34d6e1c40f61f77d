"""The compiled grid search in one call (initial_grid.search → kernel._grid.search_rows) against
the stages it fuses (score, argmin, refine) and against the numpy reference."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.eis import initial_grid, kernel
from sselab.eis.circuit import Circuit

pytest.importorskip("numba")

F = np.logspace(6, -1, 60)
#: 3 columns (the written-out solve, with and without the resistor; with three CPE-tail
#: variants), 2, 4 and 5 columns (the general Cholesky loop; a capacitor arc, W and L tails)
CIRCUITS = ["R0-p(R1,CPE1)-p(R2,CPE2)", "R0-p(R1,C1)-p(R2,CPE2)-W1", "p(R1,CPE1)-p(R2,CPE2)-p(R3,CPE3)",
            "R0-p(R1,CPE1)-CPE2", "p(R1,CPE1)-CPE2", "L1-R0-p(R1,CPE1)-p(R2,C2)-CPE3"]


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
    # and the numpy reference: the same picks, the starts to rounding (the polish's products,
    # numpy's BLAS against the compiled loops, round differently, and its least-squares point is
    # flat along some directions: 5e-9 here, 6e-8 in test_kernel's refinement)
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numpy")
    coef, cost, bests = initial_grid.search(c, d, F, Z, spans, block=7)
    np.testing.assert_array_equal(np.argmin(cost, axis=1), np.argmin(got[1], axis=1))
    np.testing.assert_allclose(bests, got[2], rtol=1e-6)
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
    # the redone rows: the staged path on those rows alone (BLAS may round a 2-row batch
    # differently from a 6-row one in the last bit: seen on AVX-512)
    redo = [1, 4]
    for a, b in zip(ref, _staged(c, d, Z[redo], spans[redo])):
        a[redo] = b
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


def test_a_mixed_batch_fits_alike_on_the_fused_and_the_numpy_search(monkeypatch):
    """fit_circuit_batch over spectra of three point counts, one of them masked (its own
    frequency grid), with a fixed and a user-initial value, on a 4-column circuit: the fused
    compiled search runs once per grid and the fits equal numpy's to rounding, fixed and
    initial values applied on both paths."""
    from sselab.eis.batch import fit_circuit_batch
    from sselab.eis.kernel import _grid
    from sselab.eis.mask import select
    from sselab.measurements import Spectrum

    text, c = CIRCUITS[1], Circuit(CIRCUITS[1])
    truth = {"R0": 20.0, "R1": 2e3, "C1": 1e-9, "R2": 3e4, "CPE2.Q": 1e-6, "CPE2.n": 0.8, "W1": 300.0}
    rng = np.random.default_rng(7)
    spectra = []
    for n, count in ((60, 8), (41, 3)):
        f = np.logspace(6, -1, n)
        for _ in range(count):
            v = {k: x if k in ("R0", "CPE2.n") else x * rng.lognormal(0, 0.3) for k, x in truth.items()}
            z = c.impedance(f, v)
            z = z + 0.004 * np.abs(z) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))
            spectra.append(Spectrum(frequency_Hz=f, impedance_ohm=z))
    spectra.append(select(spectra[0], mask=[0, 7, 30]).spectrum)  # masked: 57 points, another grid
    kw = dict(fixed={"R0": 20.0}, initial={"CPE2.n": 0.8})
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numpy")
    ref = fit_circuit_batch(spectra, text, **kw)
    calls = []
    real = _grid.search_rows_serial
    monkeypatch.setattr(_grid, "search_rows_serial", lambda *a: (calls.append(a[3].shape[0]), real(*a)))  # w2 (S, N)
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numba")
    monkeypatch.setenv("SSELAB_FIT_THREADS", "1")
    got = fit_circuit_batch(spectra, text, **kw)
    assert sorted(calls) == [1, 3, 8]  # one fused search per frequency grid
    assert [f.engine for f in ref] == ["numpy"] * 12 and all(f.engine.startswith("numba") for f in got)
    for a, b in zip(ref, got):
        assert a.success and b.success and a.starts_tried == b.starts_tried
        assert a.values["R0"] == b.values["R0"] == 20.0
        np.testing.assert_allclose(b.chi2, a.chi2, rtol=1e-6)
        for name in a.values:
            np.testing.assert_allclose(b.values[name], a.values[name], rtol=1e-4)
