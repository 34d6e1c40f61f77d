"""The compiled decay residuals and iteration (sselab.dc._decay_kernel): numpy's values, and
the numpy engine's fits to rounding (the iteration is the numpy solver's step for step)."""

import numpy as np
import pytest

from sselab.dc import decay
from sselab.fitting import engine

pytest.importorskip("numba")
from sselab.dc import _decay_kernel  # noqa: E402


def _records(n):
    """Decays of one and two exponentials, 0.2 % noise; every fourth one shorter."""
    rng = np.random.default_rng(3)
    out = []
    for k in range(n):
        t = np.arange(0.0, 9001.0, 15.0)
        tau, a, Is = rng.uniform(200, 1500), rng.uniform(2, 8), rng.uniform(0.5, 2)
        i = Is + a * np.exp(-t / tau) + (0.5 * a * np.exp(-t / (0.1 * tau)) if k % 3 == 1 else 0.0)
        if k % 4 == 3:
            t, i = t[:300], i[:300]
        out.append((t, 1e-7 * i * (1 + 0.002 * rng.standard_normal(t.size))))
    return out


def _libm_like_numpy() -> bool:
    """numpy's exp/log/power are the C library's (no AVX-512 variants on this CPU)."""
    import math

    x = np.random.default_rng(1).uniform(-30, 30, 4096)
    return bool(np.all(np.exp(x) == np.array([math.exp(v) for v in x])))


@pytest.mark.parametrize("model", ["exp1", "exp2", "power"])
def test_compiled_residuals_equal_numpy(model):
    rng = np.random.default_rng(7)
    t = np.arange(0.0, 9001.0, 15.0)
    T = np.stack([t, 2 * t, 0.5 * t])
    Y = 0.1 + np.exp(-T / 700) + 1e-3 * rng.standard_normal(T.shape)
    n = {"exp1": 3, "exp2": 5, "power": 4}[model]
    P = rng.uniform(0.05, 2.0, (11, n))
    if model != "power":
        P[:, 2::2] = rng.uniform(5.0, 5000.0, (11, (n - 1) // 2))  # time constants
    else:
        P[:, 2] = rng.uniform(1.0, 900.0, 11)
    P[0, 2] = 0.0  # a zero time constant: inf/NaN as numpy gives them, not an exception
    rows = rng.integers(0, 3, 11)
    with np.errstate(all="ignore"):
        r0, J0 = decay._residuals(model, T, Y)(P, rows)
    r1, J1 = _decay_kernel.residuals(model, T, Y)(P, rows)
    assert r1.shape == r0.shape and J1.shape == J0.shape
    close = dict(rtol=1e-14, atol=0, equal_nan=True)
    np.testing.assert_allclose(r1[1:], r0[1:], **close)
    np.testing.assert_allclose(J1[1:], J0[1:], **close)
    assert np.array_equal(np.isfinite(r1), np.isfinite(r0)) and np.array_equal(np.isfinite(J1), np.isfinite(J0))
    if _libm_like_numpy():  # the same operations in the same order: equal bit for bit
        assert np.array_equal(r1, r0, equal_nan=True) and np.array_equal(J1, J0, equal_nan=True)


def _same_fits(ref, got):
    """The compiled batch's fits are the numpy batch's: the same model and warnings (so the same
    verdicts), χ² to rounding, Is and I(0) to 1e-9 and their errors to 1e-6 (relative)."""
    assert len(ref) == len(got)
    for a, b in zip(ref, got):
        assert a.model == b.model and a.warnings == b.warnings
        assert b.rms_residual_A == pytest.approx(a.rms_residual_A, rel=1e-12)
        assert b.bic == pytest.approx(a.bic, rel=1e-12, abs=1e-9)
        assert b.Is_A == pytest.approx(a.Is_A, rel=1e-9) and b.I_at_0_A == pytest.approx(a.I_at_0_A, rel=1e-9)
        for key in ("Is_stderr_A", "I_at_0_stderr_A"):
            assert (getattr(b, key) is None) == (getattr(a, key) is None)
            if getattr(a, key) is not None:
                assert getattr(b, key) == pytest.approx(getattr(a, key), rel=1e-6)


def _both(monkeypatch, records):
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numpy")
    assert not decay._compiled(10_000)
    ref = decay.fit_decays(records)
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numba")
    assert decay._compiled(1)
    return ref, decay.fit_decays(records)


def test_compiled_batch_gives_the_numpy_batch(monkeypatch):
    ref, got = _both(monkeypatch, _records(12))
    _same_fits(ref, got)
    assert {d.model for d in got} >= {"exp1", "exp2"}


def test_compiled_batch_on_a_real_hold(monkeypatch, shared_data):
    """The 12-hour hold of biologic/ca.mpt (tests/dc/test_dc_real_ca.py), its first point (before
    the set potential) dropped, whole and in parts: the numpy batch's fits."""
    from sselab.io import read

    ct = read(shared_data / "biologic" / "ca.mpt", kind="transient")[0]
    t, i = ct.time_s[1:] - ct.time_s[1], ct.current_A[1:]
    records = [(t, i), (t[:240], i[:240]), (t[100:] - t[100], i[100:]), (t[::3], i[::3])]
    ref, got = _both(monkeypatch, records)
    _same_fits(ref, got)


T = np.arange(0.0, 9001.0, 15.0)
_RNG = np.random.default_rng(5)
CASES = {  # model, current: noisy one exponential, two, a power law; degenerate ones last
    "exp1 noisy": ("exp1", 0.3 + np.exp(-T / 800) + 0.01 * _RNG.standard_normal(T.size)),
    "exp2": ("exp2", 0.2 + 0.5 * np.exp(-T / 90) + 0.3 * np.exp(-T / 1500) + 1e-4 * _RNG.standard_normal(T.size)),
    "power": ("power", 0.1 + 0.9 * (1 + T / 40) ** -0.7 + 1e-4 * _RNG.standard_normal(T.size)),
    "exp2 of one exponential": ("exp2", 0.3 + np.exp(-T / 800)),  # two time constants for one: singular
    "flat exp2": ("exp2", np.full(T.size, 0.5)),  # nothing decays: amplitudes → 0, τ undetermined
    "flat power": ("power", np.full(T.size, 0.5)),
}
DEGENERATE = ("exp2 of one exponential", "flat exp2", "flat power")


@pytest.mark.parametrize("case", list(CASES))
def test_compiled_iteration_steps_as_numpy(case):
    """Every start of the engine's solve: the same status and, where the fit is determined, the
    same iterations, cost and parameters to rounding; degenerate fits end in the same state."""
    model, y = CASES[case]
    y = y / np.max(np.abs(y))
    _, params, starts = decay._problem(model, T, y)
    Ts, Ys = np.repeat(T[None], len(starts), 0), np.repeat(y[None], len(starts), 0)
    fun = decay._residuals(model, Ts, Ys)
    _, p0, o0 = engine._solve(fun, params, starts, 200, 1e-10, 1e-10)
    _, p1, o1 = engine._solve(fun, params, starts, 200, 1e-10, 1e-10, iterate=_decay_kernel.iterate(model, Ts, Ys))
    assert o1.status.tolist() == o0.status.tolist()
    if case not in DEGENERATE:
        assert o1.n_iter.tolist() == o0.n_iter.tolist() and o1.n_eval == o0.n_eval
        np.testing.assert_allclose(o1.cost, o0.cost, rtol=1e-12)
        np.testing.assert_allclose(p1, p0, rtol=1e-9)
    else:  # singular or flat: an exact fit either way (cost ~1e-24 of the data's ~300)
        assert np.all(o1.cost < 1e-20) and np.all(o0.cost < 1e-20)
        if case.startswith("flat"):
            assert o1.status.tolist() == [0] * len(starts)  # the amplitudes crawl to 0 for max_iter
            np.testing.assert_allclose(p1[:, 0], 1.0, rtol=1e-9)  # Is: the (scaled) current


def test_compiled_iteration_with_acceleration_and_window():
    """stol and window on (the stops on the predicted and the measured gain), which the decay
    fits do not use: still the numpy solver's statuses, iterations and χ²."""
    model, y = CASES["exp2"]
    _, params, starts = decay._problem(model, T, y)
    Ts, Ys = np.repeat(T[None], len(starts), 0), np.repeat(y[None], len(starts), 0)
    fun = decay._residuals(model, Ts, Ys)
    _, p0, o0 = engine._solve(fun, params, starts, 200, 1e-10, 1e-10, 0.1, 8)
    _, p1, o1 = engine._solve(fun, params, starts, 200, 1e-10, 1e-10, 0.1, 8,
                              iterate=_decay_kernel.iterate(model, Ts, Ys))
    assert o1.status.tolist() == o0.status.tolist() and o1.n_iter.tolist() == o0.n_iter.tolist()
    np.testing.assert_allclose(o1.cost, o0.cost, rtol=1e-12)


def test_auto_compiles_large_batches_only(monkeypatch):
    monkeypatch.delenv("SSELAB_FIT_KERNEL", raising=False)
    assert not decay._compiled(decay.COMPILED_MIN_RECORDS - 1)
    assert decay._compiled(decay.COMPILED_MIN_RECORDS)


def test_cached_iteration_dropped_when_the_iteration_it_inlines_changes(tmp_path):
    """_decay_kernel's cached code inlines _lm.py and _numba.py (other folders, which numba does
    not watch): a change of either drops its cache, and only its own."""
    from sselab.eis.kernel._numba import drop_stale_caches

    owner, lm_file, numba_file = tmp_path / "_decay_kernel.py", tmp_path / "_lm.py", tmp_path / "_numba.py"
    for f in (owner, lm_file, numba_file):
        f.write_text("v1")
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    mine, other = cache / "_decay_kernel.lm_rows-1.py311.nbi", cache / "decay.cpython-311.pyc"

    def run() -> bool:
        for f in (mine, other):
            f.touch()
        drop_stale_caches(owner, (numba_file, lm_file), ("_decay_kernel",), "s.stamp")
        assert other.exists()
        return not mine.exists()

    assert run()  # no stamp yet: dropped
    assert not run()  # nothing changed: kept
    lm_file.write_text("v2")
    assert run() and not run()
    numba_file.write_text("v2")
    assert run()
