"""The polish of the automatic starts (:mod:`sselab.eis.initial_polish`): each arc's ln τ and
n moved off the grid to the least-squares point, the resistances solved at every trial point;
numpy and compiled take the same steps."""

import numpy as np
import pytest

from sselab.eis import initial_grid, initial_polish
from sselab.eis.circuit import Circuit

F = np.logspace(6, -1, 71)
EVALUATIONS = initial_polish.POLISH_EVALUATIONS
EXTRA_EVALUATIONS = initial_polish.POLISH_EXTRA_EVALUATIONS
#: truths off the grid (τ = RQ^(1/n) between its points, n between its exponents)
CASES = [
    ("R0-p(R1,CPE1)-p(R2,CPE2)",
     {"R0": 12.0, "R1": 3.1e4, "CPE1.Q": 2.3e-10, "CPE1.n": 0.87, "R2": 9.0e3, "CPE2.Q": 4.1e-7, "CPE2.n": 0.71}),
    ("R0-p(R1,C1)-W1", {"R0": 12.0, "R1": 3.1e4, "C1": 2.3e-10, "W1": 1.7e4}),
]


def _start(monkeypatch, c: Circuit, z: np.ndarray, engine: str, evaluations: int) -> np.ndarray:
    """The refined start of the one spectrum ``z``, polished with at most ``evaluations`` trial points."""
    monkeypatch.setenv("SSELAB_FIT_KERNEL", engine)
    monkeypatch.setattr(initial_polish, "POLISH_EVALUATIONS", evaluations)
    d = initial_grid.design(c, F)
    _, cost = initial_grid.score(d, z[None])
    return initial_grid.refine(c, d, F, z[None], np.argmin(cost, axis=1), np.abs(z)[None].max(axis=1))[0]


@pytest.mark.parametrize("engine", ["numpy", "numba"])
@pytest.mark.parametrize("text, truth", CASES, ids=[t for t, _ in CASES])
def test_polish_reaches_the_least_squares_point(monkeypatch, engine, text, truth):
    if engine == "numba":
        pytest.importorskip("numba")
    c = Circuit(text)
    x = np.array(list(truth.values()))
    z = c.impedance(F, truth)  # noiseless: the least-squares point is the truth
    grid = _start(monkeypatch, c, z, engine, 0)
    polished = _start(monkeypatch, c, z, engine, EVALUATIONS)
    # the grid's refinement leaves the start 3 % (R1) to 20× (R0) away, the polish within 1e-5
    assert np.abs(grid / x - 1).max() > 0.03
    np.testing.assert_allclose(polished, x, rtol=1e-5)


def _one_arc(tau_start: float):
    """R0-p(R1,CPE1), τ = 1e-4 s, n = 0.8, noiseless, and a start at ``tau_start`` (n 0.9) with its
    resistances solved: the polish's arguments (numpy layout)."""
    c = Circuit("R0-p(R1,CPE1)")
    R1, tau, n = 2.0e4, 1e-4, 0.8
    z = c.impedance(F, {"R0": 50.0, "R1": R1, "CPE1.Q": tau**n / R1, "CPE1.n": n})
    log_w = np.log(2 * np.pi * F)
    w = 1 / np.abs(z)
    b = z * w
    cols = np.stack([w, w / (1 + np.exp(0.9 * (log_w + np.log(tau_start))) * np.exp(0.45j * np.pi))], axis=1)
    gram, h = (cols.conj().T @ cols).real, (cols.conj().T @ b).real
    coef = np.maximum(np.linalg.solve(gram, h), 0)
    cost = float(np.sum(np.abs(cols @ coef - b) ** 2))
    return log_w, w, b, float(np.vdot(b, b).real), cols, np.array([False]), np.array([tau_start]), np.array([0.9]), \
        coef, cost


def _polish(engine: str, tau_start: float):
    """The one-arc problem polished from ``tau_start`` on ``engine``: (τ, n, R0, R1, cost before,
    cost after)."""
    log_w, w, b, bb, cols, capacitor, tau, ns, coef, cost = _one_arc(tau_start)
    if engine == "numpy":
        after = initial_polish.polish(log_w, w, b, bb, cols, 1, capacitor, tau, ns, coef, cost)
    else:
        pytest.importorskip("numba")
        from sselab.eis.kernel._polish import _polish

        cr, ci = np.ascontiguousarray(cols.real.T), np.ascontiguousarray(cols.imag.T)
        gram = (cols.conj().T @ cols).real
        after = _polish(log_w, w, np.ascontiguousarray(b.real), np.ascontiguousarray(b.imag), bb, cr, ci, gram,
                        coef, cost, 1, capacitor, tau, ns, EVALUATIONS)
    return tau[0], ns[0], coef[0], coef[1], cost, after


@pytest.mark.parametrize("engine", ["numpy", "numba"])
@pytest.mark.parametrize("tau_start", [1e-5, 1e-3])
def test_polish_from_a_decade_away_reaches_the_truth(engine, tau_start):
    tau, n, R0, R1, before, after = _polish(engine, tau_start)
    np.testing.assert_allclose([tau, n, R0, R1], [1e-4, 0.8, 50.0, 2.0e4], rtol=1e-6)
    assert after < 1e-9 * before


@pytest.mark.parametrize("engine", ["numpy", "numba"])
@pytest.mark.parametrize("tau_start", [1e-6, 1e-2])
def test_polish_keeps_tau_within_a_decade(engine, tau_start):
    """Started two decades from the truth, the polish walks toward it and stops POLISH_DECADES
    from where it started (the limit that keeps a start in its basin), its cost lower."""
    tau, n, R0, R1, before, after = _polish(engine, tau_start)
    assert after < before
    assert np.log10(1e-4 / tau_start) * np.log10(tau / tau_start) > 0  # toward the truth
    assert abs(np.log10(tau / tau_start)) == pytest.approx(initial_polish.POLISH_DECADES, rel=1e-12)


@pytest.mark.parametrize("tau_start", [1e-6, 1e-5, 1e-3, 1e-2])
def test_compiled_polish_takes_the_numpy_steps(tau_start):
    """The same trial points accepted, the numbers to rounding (on this small problem 1e-9)."""
    np.testing.assert_allclose(_polish("numba", tau_start), _polish("numpy", tau_start), rtol=1e-9, atol=1e-9)


def test_compiled_polish_has_the_numpy_constants():
    pytest.importorskip("numba")
    from sselab.eis.kernel import _polish

    for name in ("POLISH_FTOL", "POLISH_DECADES", "POLISH_FLOOR"):
        assert getattr(_polish, name) == getattr(initial_polish, name), name


def _noisy(text: str, truth: dict, seed: int = 4) -> np.ndarray:
    z = Circuit(text).impedance(F, truth)
    rng = np.random.default_rng(seed)
    return z + 0.004 * np.abs(z) * (rng.standard_normal(F.size) + 1j * rng.standard_normal(F.size))


def _every_start(monkeypatch, engine: str, text: str, z: np.ndarray, evaluations: int) -> np.ndarray:
    from sselab.eis.initial import starts_many

    monkeypatch.setenv("SSELAB_FIT_KERNEL", engine)
    monkeypatch.setattr(initial_polish, "POLISH_EVALUATIONS", evaluations)
    monkeypatch.setattr(initial_polish, "POLISH_EXTRA_EVALUATIONS", min(evaluations, EXTRA_EVALUATIONS))
    [starts] = starts_many(Circuit(text), F, z, 4)
    return starts.all()


@pytest.mark.parametrize("engine", ["numpy", "numba"])
@pytest.mark.parametrize("text, truth", CASES, ids=[t for t, _ in CASES])
def test_extra_starts_are_polished_too(monkeypatch, engine, text, truth):
    """The other grid picks (the starts a spectrum gets when its first fit does not settle) are
    polished as the first is: each lands at or below the cost of its grid point, most far below."""
    if engine == "numba":
        pytest.importorskip("numba")
    c, z = Circuit(text), _noisy(text, truth)
    raw = _every_start(monkeypatch, engine, text, z, 0)
    polished = _every_start(monkeypatch, engine, text, z, EVALUATIONS)
    assert len(raw) == len(polished) == 4

    def cost(v: np.ndarray) -> float:
        return float(np.sum(np.abs((z - c.impedance(F, v)) / z) ** 2))

    before, after = np.array([cost(v) for v in raw[1:]]), np.array([cost(v) for v in polished[1:]])
    assert np.all(after <= before * (1 + 1e-9))
    assert np.median(after / before) < 0.5


@pytest.mark.parametrize("text, truth", CASES, ids=[t for t, _ in CASES])
def test_compiled_extra_starts_match_numpy(monkeypatch, text, truth):
    pytest.importorskip("numba")
    z = _noisy(text, truth)
    ref = _every_start(monkeypatch, "numpy", text, z, EVALUATIONS)
    got = _every_start(monkeypatch, "numba", text, z, EVALUATIONS)
    np.testing.assert_allclose(got, ref, rtol=1e-6)  # the polish's products round differently (test_kernel)
