"""The compiled circuit kernel against the numpy reference: element formulas and Jacobians
against the registry, circuit impedance and Jacobian against Circuit, and whole batched fits
to the same χ² (to rounding) on every test circuit; and the fallback to numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sselab.eis import kernel
from sselab.eis.batch import fit_circuit_batch
from sselab.eis.circuit import Circuit
from sselab.eis.elements import ELEMENTS
from sselab.eis.kernel import dispatch
from sselab.eis.kernel.program import ELEMENT_CODES, program, stack_depth, supported
from sselab.eis.simulate import simulate_spectrum
from sselab.measurements import Spectrum

numba = pytest.importorskip("numba")
from sselab.eis.kernel import _lm, _numba  # noqa: E402  (needs numba)

CIRCUITS = {
    "R0-p(R1,CPE1)-p(R2,CPE2)": {"R0": 20, "R1": 2e3, "CPE1.Q": 2e-9, "CPE1.n": 0.9, "R2": 3e4, "CPE2.Q": 1e-6,
                                 "CPE2.n": 0.8},
    "R0-p(R1,CPE1)": {"R0": 5, "R1": 800, "CPE1.Q": 1e-7, "CPE1.n": 0.85},
    "R0-p(R1-Ws1,CPE1)": {"R0": 10, "R1": 500, "Ws1.R": 300, "Ws1.tau": 0.5, "CPE1.Q": 1e-6, "CPE1.n": 0.9},
    "R0-p(R1,C1)-W1": {"R0": 15, "R1": 1e3, "C1": 1e-8, "W1": 40},
    "L1-R0-p(R1,CPE1)-G1": {"L1": 1e-6, "R0": 2, "R1": 100, "CPE1.Q": 1e-5, "CPE1.n": 0.8, "G1.R": 50,
                            "G1.tau": 1e-2},
    "p(R1,p(R2,C2)-Wo1)": {"R1": 1e4, "R2": 200, "C2": 1e-7, "Wo1.R": 500, "Wo1.tau": 2.0},
}
F = np.logspace(5, -1, 45)


def _joined(a):
    """The complex numbers of the kernel's split rows (real parts [:N], imaginary parts [N:])."""
    n = a.shape[-1] // 2
    out = np.empty(a.shape[:-1] + (n,), complex)
    out.real, out.imag = a[..., :n], a[..., n:]
    return out


def test_every_compiled_element_matches_the_registry():
    rng = np.random.default_rng(1)
    w = 2 * np.pi * F
    for name, code in ELEMENT_CODES.items():
        etype = ELEMENTS[name]
        p = rng.uniform(0.2, 0.95, etype.n_params) * (1.0 if name == "CPE" else 1e2)
        if name == "CPE":
            p[0] = 3e-6
        z_ref, dz_ref = etype.evaluate(w, p)
        z = np.empty(2 * w.size)  # the kernel's complex rows: real parts, then imaginary parts
        dz = np.empty((etype.n_params, 2 * w.size))
        _numba._element(code, w, np.log(w), p, 0, z, dz)
        z, dz = _joined(z), _joined(dz)
        np.testing.assert_allclose(z, np.broadcast_to(z_ref, w.shape), rtol=1e-12, err_msg=name)
        for i in range(etype.n_params):
            np.testing.assert_allclose(dz[i], np.broadcast_to(dz_ref[i], w.shape), rtol=1e-11, atol=0,
                                       err_msg=f"{name} d/d{etype.params[i]}")


@pytest.mark.parametrize("text", list(CIRCUITS))
def test_circuit_impedance_and_jacobian_match_the_numpy_circuit(text):
    c = Circuit(text)
    P = c.as_array(CIRCUITS[text])[None, :] * np.array([[1.0], [1.3]])
    P[:, [i for i, n in enumerate(c.parameter_names) if n.endswith(".n")]] = 0.8
    w = 2 * np.pi * F
    z_ref, J_ref = c.impedance_and_jacobian(w, P)
    ops = program(c)
    z = np.empty((2, w.size), complex)
    dz = np.empty((2, c.n_params, w.size), complex)
    _numba.impedance_batch(ops, stack_depth(ops), w[None, :], np.zeros(2, np.int64), P, z, dz)
    np.testing.assert_allclose(z, z_ref, rtol=1e-12)
    np.testing.assert_allclose(dz.transpose(0, 2, 1), J_ref, rtol=1e-10, atol=1e-14 * np.abs(J_ref).max())


def _noisy(text: str, n: int, seed: int) -> list[Spectrum]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        values = {k: v * rng.lognormal(0, 0.3) if not k.endswith(".n") else v for k, v in CIRCUITS[text].items()}
        z = simulate_spectrum(text, values, F).impedance_ohm
        z = z + 0.004 * np.abs(z) * (rng.normal(size=F.size) + 1j * rng.normal(size=F.size))
        out.append(Spectrum(frequency_Hz=F, impedance_ohm=z))
    return out


@pytest.mark.parametrize("engine", ["numba", "torch"])
@pytest.mark.parametrize("text", list(CIRCUITS))
def test_compiled_fits_reach_the_numpy_chi2(monkeypatch, text, engine):
    """The numba kernel, and the optional GPU iteration (:mod:`sselab.eis.kernel._torch`, on
    whatever device PyTorch has; skipped without PyTorch), against the numpy reference."""
    if engine == "torch":
        pytest.importorskip("torch")
    spectra = _noisy(text, 12, seed=len(text))
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numpy")
    ref = fit_circuit_batch(spectra, text)
    monkeypatch.setenv("SSELAB_FIT_KERNEL", engine)
    got = fit_circuit_batch(spectra, text)
    assert {f.engine for f in ref} == {"numpy"}
    assert {f.engine.split("+")[0] for f in got} == {engine}
    chi_ref = np.array([f.chi2 for f in ref])
    chi = np.array([f.chi2 for f in got])
    converged = np.array([f.success for f in ref])
    assert converged.sum() >= 10 and np.array_equal(converged, [f.success for f in got])
    # the same iteration in another order of floating-point operations: equal to rounding where
    # the fit converged.  A fit that ran out of iterations (one here: a Warburg τ and a CPE Q
    # crawling towards 0 in a wrong basin) stops wherever iteration 300 finds it, which rounding
    # moves: both paths flag it, both far from the noise floor
    np.testing.assert_allclose(chi[converged], chi_ref[converged], rtol=1e-6)
    floor = 2 * F.size * 0.004**2
    assert np.all(chi[~converged] > 10 * floor) and np.all(chi_ref[~converged] > 10 * floor)
    # and the fits are good: at the noise floor (χ² ≈ 2N·σ², σ = 0.004 relative)
    assert np.median(chi) < 2.0 * 2 * F.size * 0.004**2
    for a, b in zip(ref, got):
        assert a.starts_tried == b.starts_tried
        assert a.to_dict()["engine"] == "numpy" and b.to_dict()["engine"].startswith(engine)


def test_without_numba_the_numpy_path_fits_and_says_so(monkeypatch):
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numba")
    monkeypatch.setattr(kernel, "numba_available", lambda: False)
    [fit] = fit_circuit_batch(_noisy("R0-p(R1,CPE1)", 1, 3), "R0-p(R1,CPE1)")
    assert fit.engine == "numpy" and fit.success


def test_auto_uses_numpy_for_small_solves_and_unknown_elements(monkeypatch):
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "auto")
    c = Circuit("R0-p(R1,CPE1)")
    model = type("M", (), {"circuit": c})()
    import numba  # noqa: F401  (numba itself loaded: not enough, the kernels are what counts)

    monkeypatch.setattr(kernel, "_LOADED", False)
    modules = __import__("sys").modules
    assert not kernel.loaded()
    assert dispatch.choose(model, kernel.AUTO_MIN_ROWS - 1) == "numpy"
    assert dispatch.choose(model, kernel.AUTO_MIN_ROWS) == "numba"
    monkeypatch.delitem(modules, "numba")
    assert dispatch.choose(model, kernel.AUTO_MIN_ROWS - 1) == "numpy"
    assert dispatch.choose(model, kernel.AUTO_MIN_ROWS) == "numba"
    monkeypatch.delitem(ELEMENT_CODES, "CPE")
    assert not supported(c) and dispatch.choose(model, 10_000) == "numpy"


def test_auto_fits_small_solves_compiled_once_the_kernels_are_loaded(monkeypatch):
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "auto")
    c = Circuit("R0-p(R1,CPE1)")
    model = type("M", (), {"circuit": c})()
    monkeypatch.setattr(kernel, "_LOADED", False)  # restored after the test: other tests see auto as before
    from sselab.eis.kernel import _numba  # noqa: F401  (imported, e.g. by an earlier large batch: not enough)

    assert dispatch.choose(model, 1) == "numpy"
    [numpy_fit] = fit_circuit_batch(_noisy("R0-p(R1,CPE1)", 1, 5), "R0-p(R1,CPE1)")
    assert kernel.load() and kernel.loaded()
    assert dispatch.choose(model, 1) == "numba"
    [fit] = fit_circuit_batch(_noisy("R0-p(R1,CPE1)", 1, 5), "R0-p(R1,CPE1)")
    assert numpy_fit.engine == "numpy" and fit.engine == "numba"
    np.testing.assert_allclose(fit.chi2, numpy_fit.chi2, rtol=1e-6)
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numpy")
    assert dispatch.choose(model, 10_000) == "numpy"


def test_auto_decides_for_the_whole_batched_call_not_each_step(monkeypatch):
    """A batched call over AUTO_MIN_ROWS spectra or more runs every step compiled (its chunks'
    start searches and solves, smaller than the threshold each), reaching numpy's χ²; the choice
    does not outlive the call, nor leak to the caller between the chunks of the iterator."""
    from sselab.eis.batch import iter_fit_circuit_batch
    from sselab.eis.kernel import _grid

    text = "R0-p(R1,CPE1)-p(R2,CPE2)"
    spectra = _noisy(text, 12, seed=11)
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "auto")
    monkeypatch.setattr(kernel, "_LOADED", False)
    monkeypatch.setattr(kernel, "AUTO_MIN_ROWS", 12)
    searched = []
    real = _grid.search_rows_serial
    monkeypatch.setattr(_grid, "search_rows_serial", lambda *a: searched.append(a[3].shape[0]) or real(*a))
    monkeypatch.setenv("SSELAB_FIT_THREADS", "1")
    fits = fit_circuit_batch(spectra, text, chunk_size=5)  # chunks of 5, 5, 2 spectra: each below 12
    assert [f.engine for f in fits] == ["numba"] * 12
    assert searched == [5, 5, 2]  # the fused compiled start search, once per chunk
    assert not kernel.compiled_for(5)  # the call's choice ended with it
    for chunk in iter_fit_circuit_batch(spectra, text, chunk_size=5):
        assert not kernel.compiled_for(5) and not kernel.helpers_compiled()  # not in the caller's hands
        assert {f.engine for _, f in chunk} == {"numba"}
    small = fit_circuit_batch(spectra[:2], text)  # a call below the threshold (≤ 8 rows a solve): numpy
    assert {f.engine for f in small} == {"numpy"}
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numpy")
    ref = fit_circuit_batch(spectra, text, chunk_size=5)
    np.testing.assert_allclose([f.chi2 for f in fits], [f.chi2 for f in ref], rtol=1e-6)
    np.testing.assert_allclose([f.chi2 for f in small], [f.chi2 for f in ref[:2]], rtol=1e-6)


@pytest.mark.parametrize("text", ["R0-p(R1,CPE1)-p(R2,CPE2)", "R0-p(R1,C1)-W1", "R0-p(R1,CPE1)"])
def test_compiled_start_refinement_matches_numpy(monkeypatch, text):
    from sselab.eis import initial_grid, initial_polish

    c = Circuit(text)
    Z = np.stack([s.impedance_ohm for s in _noisy(text, 8, seed=5)])
    d = initial_grid.design(c, F)
    _, cost = initial_grid.score(d, Z)
    combos, spans = np.argmin(cost, axis=1), np.abs(Z).max(axis=1)

    def both() -> tuple[np.ndarray, np.ndarray]:
        monkeypatch.setenv("SSELAB_FIT_KERNEL", "numpy")
        ref = np.array(initial_grid.refine(c, d, F, Z, combos, spans))
        monkeypatch.setenv("SSELAB_FIT_KERNEL", "numba")
        return np.array(initial_grid.refine(c, d, F, Z, combos, spans)), ref

    # the refinement's sweeps: the same to 1e-9
    with monkeypatch.context() as m:
        m.setattr(initial_polish, "POLISH_EVALUATIONS", 0)
        got, ref = both()
        np.testing.assert_allclose(got, ref, rtol=1e-9)
    # then the polish: the same steps, whose products round differently (numpy's BLAS against the
    # compiled loops) near a least-squares point flat along some directions (6e-8 here for W1)
    polished, ref = both()
    np.testing.assert_allclose(polished, ref, rtol=1e-6)
    assert np.abs(polished / got - 1).max() > 1e-3  # it moved them
    # and the refinement moved the starts off the grid (it is not a no-op on either path)
    grid_only = np.array([initial_grid._to_values(c, d, *d.combos[k], np.zeros(d.idx.shape[1]), sp)
                          for k, sp in zip(combos, spans)])
    assert np.abs(got / grid_only - 1).max() > 1e-3


def test_compiled_fits_from_several_threads(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numba")
    text = "R0-p(R1,CPE1)-p(R2,CPE2)"
    sets = [_noisy(text, 6, seed=s) for s in (11, 12, 13, 14)]
    alone = [[f.chi2 for f in fit_circuit_batch(s, text)] for s in sets]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda s: [f.chi2 for f in fit_circuit_batch(s, text)], sets))
    assert together == alone


def test_thread_pool_kernels_give_the_serial_fits(monkeypatch):
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numba")
    text = "R0-p(R1,CPE1)-p(R2,CPE2)"
    spectra = _noisy(text, 8, seed=21)
    serial = fit_circuit_batch(spectra, text)
    monkeypatch.setenv("SSELAB_FIT_THREADS", "2")
    monkeypatch.setattr(kernel, "PARALLEL_MIN_ROWS", 1)
    assert kernel.parallel_for(1)
    pooled = fit_circuit_batch(spectra, text)
    assert [f.chi2 for f in pooled] == [f.chi2 for f in serial]
    assert [f.values for f in pooled] == [f.values for f in serial]


def test_compiled_covariances_match_the_engine():
    """The covariance step of the compiled final pass (_final._covariance, one row at a time as
    final_rows calls it, the Jacobian transposed) against the engine's _covariances, degenerate
    rows included."""
    from sselab.eis.kernel._final import _covariance
    from sselab.fitting.engine import _covariances

    rng = np.random.default_rng(4)
    Jf = rng.normal(size=(40, 90, 6)) * np.exp(rng.normal(size=(1, 1, 6)) * 4)
    Jf[3, :, 2] = 2 * Jf[3, :, 1]  # two columns in proportion: one direction undetermined
    Jf[5, :, 4] = 0.0  # a parameter the data do not touch
    Jf[7, 10, 1] = np.nan  # no covariance at all
    chi2 = rng.uniform(0.1, 1.0, 40)
    for scale in (True, False):
        ref = _covariances(Jf, chi2, scale)
        cov, weak = np.zeros((40, 6, 6)), np.zeros((40, 6), bool)
        finite = np.array([_covariance(np.ascontiguousarray(Jf[r].T), chi2[r], scale, cov[r], weak[r])
                           for r in range(40)])
        cov[~finite] = np.nan
        np.testing.assert_array_equal(np.isnan(cov), np.isnan(ref[0]))
        np.testing.assert_allclose(cov, ref[0], rtol=1e-10, equal_nan=True)
        assert list(dispatch._RowSets(weak)) == ref[1] and list(dispatch._Messages(finite)) == ref[2]
    assert ref[1][3] and ref[2][7] and np.isnan(ref[0][5][4]).all()


@pytest.mark.parametrize("text", list(CIRCUITS))
def test_fused_final_state_matches_the_engine(text):
    """Residuals, χ², covariances and undetermined sets of the kept fits, computed in one compiled
    pass (dispatch._compiled_final), against the numpy engine's _final_arrays."""
    from sselab.eis.fit import _Model
    from sselab.eis.kernel.dispatch import _compiled_final
    from sselab.fitting import levenberg_marquardt as lm
    from sselab.fitting.engine import _final_arrays

    c = Circuit(text)
    spectra = _noisy(text, 3, seed=9)
    model = _Model(c, np.stack([2 * np.pi * s.frequency_Hz for s in spectra]),
                   np.stack([s.impedance_ohm for s in spectra]), "modulus")
    params = c.parameters(c.as_array(CIRCUITS[text]))
    P = c.as_array(CIRCUITS[text])[None, :] * np.array([[1.0], [1.2], [0.9], [1.1]])
    data_rows, rows = np.array([2, 0, 1, 1]), np.array([3, 0, 1])
    outcome = lm.Outcome(np.empty((4, 0)), np.zeros(4), np.empty((4, 0)), np.empty((4, 0, 0)), np.ones(4, int),
                         np.full(4, 3), 4)
    ref = _final_arrays(lambda Q, r: model(Q, data_rows[r]), params, P, outcome, rows, True)
    got = _compiled_final(model, params, P, outcome, rows, data_rows)
    np.testing.assert_allclose(got.residuals, ref.residuals, rtol=1e-10, atol=1e-13 * np.abs(ref.residuals).max())
    np.testing.assert_allclose(got.chi2, ref.chi2, rtol=1e-12)
    np.testing.assert_array_equal(np.isnan(got.covariance), np.isnan(ref.covariance))
    np.testing.assert_allclose(got.covariance, ref.covariance, rtol=1e-7, equal_nan=True)
    assert list(got.weak) == list(ref.weak) and list(got.errors) == list(ref.errors)
    np.testing.assert_array_equal(got.undetermined, ref.undetermined)


@pytest.mark.parametrize("text, values", [
    ("R0-p(R1,CPE1)-p(R2,CPE2)", CIRCUITS["R0-p(R1,CPE1)-p(R2,CPE2)"]),
    ("R0-p(CPE1,R1)", {"R0": 5, "CPE1.Q": 1e-7, "CPE1.n": 0.85, "R1": 800}),
    ("p(R1,CPE1)-p(R2,p(R3,CPE3))", {"R1": 10, "CPE1.Q": 1e-5, "CPE1.n": 0.7, "R2": 50, "R3": 400, "CPE3.Q": 1e-8,
                                      "CPE3.n": 0.95}),
])
def test_fused_arcs_equal_the_generic_parallel(text, values):
    """A p(R, CPE) as one ARC step gives the impedance and Jacobian of the element formulas
    combined by the generic PARALLEL rule (and of the numpy Circuit)."""
    c = Circuit(text)
    fused, plain = program(c), program(c, fuse=False)
    assert (fused[:, 0] == 3).sum() == text.count("CPE") and not (plain[:, 0] == 3).any()
    P = c.as_array(values)[None, :] * np.array([[1.0], [2.5], [0.3]])
    w = 2 * np.pi * F
    out = []
    for ops in (fused, plain):
        z = np.empty((3, w.size), complex)
        dz = np.empty((3, c.n_params, w.size), complex)
        _numba.impedance_batch(ops, stack_depth(ops), w[None, :], np.zeros(3, np.int64), P, z, dz)
        out.append((z, dz))
    (zf, dzf), (zp, dzp) = out
    np.testing.assert_allclose(zf, zp, rtol=1e-12)
    np.testing.assert_allclose(dzf, dzp, rtol=1e-10, atol=1e-14 * np.abs(dzp).max())
    z_ref, J_ref = c.impedance_and_jacobian(w, P)
    np.testing.assert_allclose(zf, z_ref, rtol=1e-12)
    np.testing.assert_allclose(dzf.transpose(0, 2, 1), J_ref, rtol=1e-10, atol=1e-14 * np.abs(J_ref).max())


@pytest.mark.parametrize("R, Q, n", [
    (1e3, 1e-9, 0.85), (20.0, 3e-5, 0.5), (1e5, 1e-11, 1.0),  # ordinary arcs: the branch-free pass
    (1e-200, 1e-9, 0.9),  # |Y|² overflows (1/R = 1e200): the guarded pass decides
    (1e200, 1e-300, 0.9),  # |Y|² underflows at low ω: likewise
])
def test_fast_arc_is_the_checked_arc_bit_for_bit(R, Q, n):
    """The two-pass ARC step (exponentials first, then branch-free real arithmetic) gives the
    numbers of the complex-arithmetic version exactly, including where it falls back to it."""
    w = 2 * np.pi * np.logspace(7, -3, 61)
    logw = np.log(w)
    P = np.array([7.0, R, Q, n])
    got = (np.empty(2 * w.size), np.full((4, 2 * w.size), np.nan))
    ref = (np.empty(2 * w.size), np.full((4, 2 * w.size), np.nan))
    _numba._arc(1, 2, w, logw, P, *got)
    _numba._arc_checked(1, 2, w, logw, P, *ref)
    np.testing.assert_array_equal(got[0], ref[0])
    np.testing.assert_array_equal(got[1], ref[1])
    assert np.isfinite(got[0]).all() and np.isnan(got[1][0]).all()  # row 0 (R0) untouched
    got = (_joined(got[0]), _joined(got[1]))
    # and both are the registry's formulas
    c = Circuit("R0-p(R1,CPE1)")
    if 1 <= R <= 1e6:
        z_ref = c.impedance(w / (2 * np.pi), P[None, :])[0] - 7.0
        np.testing.assert_allclose(got[0], z_ref, rtol=1e-12)


def test_kernel_exponential_is_libm_to_one_ulp_and_the_same_in_both_forms():
    """The kernel's own e^x (vectorised: Cody–Waite reduction, Taylor series, 2^k from bits)
    against numpy's exp over the whole range it serves, its two forms (scalar and the pass
    over an array) bit for bit, and the out-of-range flag."""
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(-700, 700, 200_000), rng.uniform(-3, 3, 200_000),
                        [0.0, -0.0, 700.0, -700.0, 1e-300, math.log(2) / 2, -math.log(2) / 2, 1.0]])
    out = np.full(x.size, np.nan + 1j)
    assert not _numba._exp_into(1.0, x, out)
    assert (out.imag == 0).all()
    fast = out.real
    ref = np.exp(x)
    assert (np.abs(fast - ref) <= np.spacing(ref)).all()  # within 1 ulp everywhere
    assert fast[-1] == math.e or abs(fast[-1] - math.e) <= np.spacing(math.e)
    scalar = np.array([_numba._exp(v) for v in x[::97]])
    np.testing.assert_array_equal(scalar, fast[::97])
    # beyond ±700 (or NaN) the flag asks for libm, which the scalar form then is
    for bad in (700.5, -750.0, np.nan):
        assert _numba._exp_into(1.0, np.array([0.5, bad]), np.empty(2, complex))
    assert _numba._exp(800.0) == math.inf and _numba._exp(-800.0) == 0.0 and math.isnan(_numba._exp(math.nan))
    assert _numba._exp(705.0) == math.exp(705.0)  # libm past the limit


def test_fast_arc_beyond_the_exponential_range_is_the_checked_arc():
    """n·ln ω beyond ±700 (not reachable from measured frequencies, but a row of a wild
    start can get there through n): the fast arc hands the row to the checked one."""
    logw = np.array([1.0, 2.0, 800.0])
    w = np.exp(np.minimum(logw, 700.0))
    P = np.array([7.0, 100.0, 1e-6, 0.95])
    got = (np.empty(6), np.zeros((4, 6)))
    ref = (np.empty(6), np.zeros((4, 6)))
    _numba._arc(1, 2, w, logw, P, *got)
    _numba._arc_checked(1, 2, w, logw, P, *ref)
    np.testing.assert_array_equal(got[0], ref[0])
    np.testing.assert_array_equal(got[1], ref[1])


@pytest.mark.parametrize("n", [1, 7, 37, 90, 200, 201])
def test_paired_dot_products_are_the_single_ones_bit_for_bit(n):
    """The LM loop's normal equations take two products per pass (_dot2): each must be summed
    in _dot's order, or the compiled fits would drift from their earlier selves at rounding."""
    rng = np.random.default_rng(n)
    for _ in range(20):
        a, b, c = rng.standard_normal((3, n)) * np.exp(rng.uniform(-30, 30, (3, 1)))
        assert _lm._dot2(a, b, c) == (_lm._dot(a, b), _lm._dot(a, c))
    # and both are the dot product (to rounding of a reordered sum)
    a, b = rng.standard_normal((2, 200))
    seq = 0.0
    for x, y in zip(a.tolist(), b.tolist()):
        seq += x * y
    assert abs(_lm._dot(a, b) - seq) <= 1e-12 * np.abs(a * b).sum()


def test_threads_auto_follows_free_cores(monkeypatch):
    monkeypatch.setattr(kernel.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.delenv("SSELAB_FIT_THREADS", raising=False)
    monkeypatch.setattr(kernel.os, "getloadavg", lambda: (0.3, 0.5, 0.5))
    assert kernel.cores_free() and kernel.parallel_for(kernel.PARALLEL_MIN_ROWS)
    assert not kernel.parallel_for(kernel.PARALLEL_MIN_ROWS - 1)  # small calls: no pool start-up
    monkeypatch.setattr(kernel.os, "getloadavg", lambda: (4.7, 4.0, 3.0))  # busy: serial
    monkeypatch.setattr(kernel, "idle_cores", lambda: 0.0)  # ... and busy now
    assert not kernel.parallel_for(10_000)
    monkeypatch.setenv("SSELAB_FIT_THREADS", "2")
    assert kernel.parallel_for(10_000)
    monkeypatch.setenv("SSELAB_FIT_THREADS", "1")
    monkeypatch.setattr(kernel.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert not kernel.parallel_for(10_000)
    monkeypatch.setattr(kernel.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setenv("SSELAB_FIT_THREADS", "auto")
    assert not kernel.parallel_for(10_000)  # one core


def test_free_cores_discount_this_processs_own_load(monkeypatch):
    """A process that has kept one core busy for minutes sees a load of ~1 on an idle 2-core
    machine: that is its own, and a core is free; the same load from another process is not."""
    monkeypatch.setattr(kernel.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(kernel.os, "getloadavg", lambda: (1.8, 1.5, 1.0))
    monkeypatch.setattr(kernel, "idle_cores", lambda: 0.2)  # the other process still runs
    own_load = kernel.own_load
    monkeypatch.setattr(kernel, "own_load", lambda cores=1: 0.0)
    assert not kernel.cores_free()
    monkeypatch.setattr(kernel, "own_load", lambda cores=1: 0.97)
    assert kernel.cores_free()
    # the estimate itself: busy for 3 minutes → ~1; busy half the time → ~0.5; just started → ~0
    for wall, cpu, expected in ((180.0, 180.0, 0.95), (180.0, 90.0, 0.475), (0.5, 0.5, 0.008)):
        monkeypatch.setattr(kernel, "_STARTED", (100.0, 10.0))
        monkeypatch.setattr(kernel.time, "monotonic", lambda w=wall: 100.0 + w)
        monkeypatch.setattr(kernel.time, "process_time", lambda c=cpu: 10.0 + c)
        assert abs(own_load(2) - expected) < 0.01


def test_a_lagging_load_average_is_checked_against_the_idle_cores(monkeypatch):
    """The 1-minute average says busy for a minute after the load ended: then the cores' idle
    ticks now decide (one idle core, this process asleep, is a free one); without /proc/stat, busy."""
    monkeypatch.setattr(kernel.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(kernel.os, "getloadavg", lambda: (1.2, 1.6, 1.1))
    monkeypatch.setattr(kernel, "own_load", lambda cores=1: 0.0)
    for idle, free in ((2.0, True), (1.0, True), (0.95, True), (0.6, False), (0.0, False), (None, False)):
        monkeypatch.setattr(kernel, "idle_cores", lambda v=idle: v)
        assert kernel.cores_free() is free, idle
    monkeypatch.setattr(kernel.os, "getloadavg", lambda: (0.4, 0.6, 0.5))  # the average says free: not asked
    monkeypatch.setattr(kernel, "idle_cores", lambda: pytest.fail("sampled although the average says free"))
    assert kernel.cores_free()


def test_idle_cores_sums_each_cores_idle_share_and_keeps_it(monkeypatch):
    samples = iter([{0: (100, 200), 1: (50, 300)},  # (idle + iowait, total) ticks
                    {0: (110, 210), 1: (52, 310)},  # core 0 idle all 10 ticks, core 1 two of 10
                    {0: (0, 0)}])
    monkeypatch.setattr(kernel.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(kernel, "_cpu_ticks", lambda cpus: next(samples))
    monkeypatch.setattr(kernel.time, "sleep", lambda s: None)
    monkeypatch.setattr(kernel, "_IDLE", [-math.inf, 0.0])
    assert kernel.idle_cores() == pytest.approx(1.2)
    assert kernel.idle_cores() == pytest.approx(1.2)  # kept: not sampled again
    monkeypatch.setattr(kernel, "_IDLE", [-math.inf, 0.0])
    monkeypatch.setattr(kernel, "_cpu_ticks", lambda cpus: None)  # no /proc/stat
    assert kernel.idle_cores() is None


def test_cpu_ticks_reads_this_processs_cores_from_proc_stat():
    import os

    if not os.path.exists("/proc/stat") or not hasattr(os, "sched_getaffinity"):
        pytest.skip("no /proc/stat here")
    cpus = os.sched_getaffinity(0)
    ticks = kernel._cpu_ticks(cpus)
    assert ticks is not None and set(ticks) == cpus
    assert all(0 <= idle <= total for idle, total in ticks.values())


def test_pooled_calls_take_dynamic_chunks_and_restore_the_schedule():
    import numba

    before = numba.get_parallel_chunksize()
    with kernel.pooled(1000):
        assert numba.get_parallel_chunksize() == max(1, 1000 // (numba.get_num_threads() * kernel.CHUNKS_PER_THREAD))
    with kernel.pooled(3):
        assert numba.get_parallel_chunksize() == 1
    with kernel.pooled(1000, parallel=False):
        assert numba.get_parallel_chunksize() == before
    assert numba.get_parallel_chunksize() == before


def test_pooled_calls_use_the_thread_count_asked_for(monkeypatch):
    """SSELAB_FIT_THREADS=N is a thread count (capped at numba's pool), not only an on switch."""
    import numba

    pool, before = numba.config.NUMBA_NUM_THREADS, numba.get_num_threads()
    for asked, expected in (("2", min(2, pool)), (str(pool + 3), pool), ("1", before), ("auto", before)):
        monkeypatch.setenv("SSELAB_FIT_THREADS", asked)
        with kernel.pooled(1000):
            assert numba.get_num_threads() == expected, asked
            assert numba.get_parallel_chunksize() == max(1, 1000 // (expected * kernel.CHUNKS_PER_THREAD))
        assert numba.get_num_threads() == before
    with pytest.raises(RuntimeError), kernel.pooled(1000):
        raise RuntimeError("inside")
    assert numba.get_num_threads() == before


def test_pooled_chunks_are_per_thread_and_restored_after_an_exception():
    """kernel.pooled holds the pool's lock and sets numba's per-thread chunk size: another
    thread's pooled call (the web workbench fits in a thread pool) waits until this one left,
    then runs with its own size without clobbering this thread's, and an exception inside the
    call restores the size as a normal exit does."""
    import threading

    outer = numba.set_parallel_chunksize(3)  # this thread's size before: to be restored, not the default
    before = numba.get_parallel_chunksize()
    entered, release, seen = threading.Event(), threading.Event(), []

    def other():
        with kernel.pooled(10_000):
            seen.append(numba.get_parallel_chunksize())
            entered.set()
            release.wait(5)
            seen.append(numba.get_parallel_chunksize())
        seen.append(numba.get_parallel_chunksize())

    with kernel.pooled(1000):
        mine = numba.get_parallel_chunksize()
        t = threading.Thread(target=other)
        t.start()
        assert not entered.wait(0.5)  # the pool is this call's: the other waits for kernel.LOCK
        assert numba.get_parallel_chunksize() == mine
    assert entered.wait(5)  # ... and enters once this one has left
    assert numba.get_parallel_chunksize() == before  # not the other thread's size
    release.set()
    t.join(5)
    size = max(1, 10_000 // (numba.get_num_threads() * kernel.CHUNKS_PER_THREAD))
    assert seen[:2] == [size, size] and seen[2] == 0  # the other thread's own, kept until it left
    with pytest.raises(RuntimeError):
        with kernel.pooled(1000):
            raise RuntimeError("a kernel call failed")
    assert numba.get_parallel_chunksize() == before
    numba.set_parallel_chunksize(outer)
