"""Batch results kept as arrays: the table of a batch equals what the CircuitFit objects built
from it report; the vectorised canonical order equals the per-fit one; the compiled grid
scoring equals the numpy scoring."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.eis.batch import FitBatch, FitFailure, fit_circuit_batch
from sselab.eis.circuit import Circuit
from sselab.eis.fit import fit_circuit
from sselab.eis.simulate import simulate_spectrum
from sselab.measurements import Spectrum

F = np.logspace(5, -1, 45)
TWO = "R0-p(R1,CPE1)-p(R2,CPE2)"


def _spectra(n: int, seed: int) -> list[Spectrum]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        v = {"R0": 20 * rng.lognormal(0, 0.3), "R1": 2e3 * rng.lognormal(0, 0.5), "CPE1.Q": 2e-9, "CPE1.n": 0.9,
             "R2": 3e4 * rng.lognormal(0, 0.5), "CPE2.Q": 1e-6, "CPE2.n": 0.8}
        z = simulate_spectrum(TWO, v, F).impedance_ohm
        z = z + 0.004 * np.abs(z) * (rng.normal(size=F.size) + 1j * rng.normal(size=F.size))
        out.append(Spectrum(frequency_Hz=F, impedance_ohm=z, source=f"s{len(out)}"))
    return out


@pytest.mark.parametrize("kernel", ["numpy", "numba"])
def test_table_equals_the_fit_objects(monkeypatch, kernel):
    if kernel == "numba":
        pytest.importorskip("numba")
    monkeypatch.setenv("SSELAB_FIT_KERNEL", kernel)
    spectra = _spectra(10, 1)
    bad = Spectrum(frequency_Hz=F, impedance_ohm=np.zeros(F.size, complex), source="zeros")
    batch = fit_circuit_batch(spectra[:4] + [bad] + spectra[4:], TWO)
    assert isinstance(batch, FitBatch) and len(batch) == 11
    table = batch.table()  # before any object is built
    fits = list(batch)
    assert isinstance(fits[4], FitFailure) and table["error"][4] and not table["success"][4]
    assert np.isnan(table["chi2"][4]) and table["source"][4] == "zeros"
    for i, fit in enumerate(fits):
        if i == 4:
            continue
        assert table["chi2"][i] == fit.chi2 and table["success"][i] == fit.success
        assert table["starts_tried"][i] == fit.starts_tried and table["engine"][i] == fit.engine
        assert table["source"][i] == spectra[i - (i > 4)].source
        for p in fit.result.parameters:
            assert table["values"][p.name][i] == p.value
            se = table["stderr"][p.name][i]
            assert (p.stderr is None and np.isnan(se)) or se == p.stderr
    # the objects are built once and kept
    assert batch[0] is batch[0]
    # and a lone fit is the same as the batch's (same starts, same engine on numpy)
    if kernel == "numpy":
        alone = fit_circuit(spectra[0], TWO)
        np.testing.assert_allclose(alone.chi2, fits[0].chi2, rtol=1e-9)
        assert alone.to_dict()["parameters"].keys() == fits[0].to_dict()["parameters"].keys()


def test_table_of_one_clean_chunk_equals_the_fit_objects(monkeypatch):
    """Every spectrum fitted in one chunk, in input order: the table is the chunk's own."""
    pytest.importorskip("numba")
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numba")
    spectra = _spectra(6, 2)
    batch = fit_circuit_batch(spectra, TWO)
    table = batch.table()
    assert table["error"] == [""] * 6 and table["names"] == [p.name for p in batch[0].result.parameters]
    for i, fit in enumerate(batch):
        assert table["chi2"][i] == fit.chi2 and table["success"][i] == fit.success and fit.success
        assert table["starts_tried"][i] == fit.starts_tried and table["engine"][i] == fit.engine == "numba"
        assert table["source"][i] == spectra[i].source
        for p in fit.result.parameters:
            assert table["values"][p.name][i] == p.value and table["stderr"][p.name][i] == p.stderr


def test_vectorised_canonical_order_equals_the_per_fit_order():
    rng = np.random.default_rng(3)
    for text in (TWO, "R0-p(R1,C1)-p(R2,C2)-p(R3,CPE3)", "R0-p(R1,CPE1)-p(R2,CPE2)-p(R3,CPE3)", "p(R1,C1)-p(R2,C2)"):
        c = Circuit(text)
        V = np.exp(rng.normal(size=(200, c.n_params)) * 3)
        n_cols = [i for i, name in enumerate(c.parameter_names) if name.endswith(".n")]
        V[:, n_cols] = rng.uniform(0.5, 1.0, (200, len(n_cols)))
        V[::17, 1] = 0.0  # a resistor at 0: infinite apex frequency
        if n_cols:
            V[::23, n_cols[0]] = -0.1  # a CPE exponent ≤ 0: no apex (NaN), the block is left in place
        got = c.canonical_permutations(V)
        ref = np.array([c.canonical_permutation(v) for v in V])
        np.testing.assert_array_equal(got, ref)
        assert (got != np.arange(c.n_params)).any()  # some rows are reordered: not a no-op


def test_compiled_grid_scoring_equals_numpy(monkeypatch):
    pytest.importorskip("numba")
    from sselab.eis import initial_grid

    for text in (TWO, "R0-p(R1,CPE1)-CPE2", "R0-p(R1,C1)-W1"):
        c = Circuit(text)
        Z = np.stack([s.impedance_ohm for s in _spectra(6, 7)])
        d = initial_grid.design(c, F)
        monkeypatch.setenv("SSELAB_FIT_KERNEL", "numpy")
        coef_ref, cost_ref = initial_grid.score(d, Z)
        monkeypatch.setenv("SSELAB_FIT_KERNEL", "numba")
        coef, cost = initial_grid.score(d, Z)
        np.testing.assert_allclose(coef, coef_ref, rtol=1e-9, atol=1e-12 * np.abs(coef_ref).max())
        np.testing.assert_allclose(cost, cost_ref, rtol=1e-9, atol=1e-9 * np.abs(cost_ref).max())
        assert np.array_equal(cost.argmin(axis=1), cost_ref.argmin(axis=1))
