"""Residual diagnostics, the Levenberg–Marquardt stopping rules and the BLAS thread limit."""

import math

import numpy as np
import pytest

from sselab.fitting import levenberg_marquardt as lm
from sselab.fitting.diagnostics import longest_run_p, runs_z
from sselab.fitting.threads import single_threaded_blas


def test_runs_z_matches_the_hand_calculation():
    # + + − − + : 3 runs, n+ = 3, n− = 2 → mean 1 + 12/5 = 3.4, var 12·7/(25·4) = 0.84
    assert runs_z(np.array([1.0, 2.0, -1.0, -0.5, 3.0])) == pytest.approx((3 - 3.4) / math.sqrt(0.84))


def test_runs_z_works_along_the_last_axis_and_flags_structure():
    rng = np.random.default_rng(1)
    noise = rng.standard_normal((200, 100))
    z = runs_z(noise)
    assert z.shape == (200,)
    assert abs(np.mean(z)) < 0.3 and 0.7 < np.std(z) < 1.3  # ≈ N(0, 1) for independent noise
    assert runs_z(np.sin(np.linspace(0, 6, 100))) < -8  # a smooth misfit
    assert math.isnan(runs_z(np.ones(10)))  # one sign only


def test_longest_run_p_matches_the_formula():
    r = np.r_[np.ones(20), np.tile([1.0, -1.0], 40)]  # longest run 21 (20 + the first +1)
    assert longest_run_p(r) == pytest.approx(1 - math.exp(-100 * 2.0**-21))
    assert longest_run_p(np.tile([1.0, -1.0], 50)) == pytest.approx(1 - math.exp(-100 / 2))


def test_nielsen_damping_solves_rosenbrock_from_the_classic_start():
    def fun(x, rows):
        r = np.stack([10 * (x[:, 1] - x[:, 0] ** 2), 1 - x[:, 0]], axis=1)
        J = np.zeros((len(x), 2, 2))
        J[:, 0, 0], J[:, 0, 1], J[:, 1, 0] = -20 * x[:, 0], 10, -1
        return r, J

    out = lm.solve(fun, np.array([[-1.2, 1.0]]), stol=0)
    assert out.status[0] > 0
    assert out.x[0] == pytest.approx([1.0, 1.0], abs=1e-6)


def test_single_threaded_blas_restores_the_pool():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    import scipy.linalg  # noqa: F401  (both BLAS libraries loaded, as in any fit)
    before = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    with single_threaded_blas():
        inside = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    after = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    assert all(n == 1 for n in inside)
    assert after == before


def test_statistical_stop_is_its_own_status_and_off_by_default():
    """stol > 0 stops when the Gauss–Newton step predicts < stol noise variances to gain
    (status 4); the default (0) never uses it."""
    t = np.linspace(0, 5, 60)
    y = 2.0 * np.exp(-0.7 * t) + 0.01 * np.random.default_rng(0).standard_normal(t.size)

    def fun(x, rows):
        a, k = x[:, :1], x[:, 1:]
        e = np.exp(-k * t)
        return a * e - y, np.stack([e, -a * t * e], axis=-1)

    plain = lm.solve(fun, np.array([[1.0, 1.0]]))
    early = lm.solve(fun, np.array([[1.0, 1.0]]), stol=1e-2)
    assert plain.status[0] in (1, 2, 3)
    assert early.status[0] == 4 and early.n_iter[0] <= plain.n_iter[0]
    noise_var = 2 * plain.cost[0] / (t.size - 2)
    assert 2 * (early.cost[0] - plain.cost[0]) < 0.02 * noise_var  # within 1 % of a noise variance (χ² = 2·cost)
