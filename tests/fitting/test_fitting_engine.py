"""The shared least-squares engine against known answers."""

import numpy as np
import pytest

from sselab.exceptions import FitError, ParameterError
from sselab.fitting import Parameter, Parameters, fit, fit_batch
from sselab.fitting.transforms import Transform


def _exp_model(x, y):
    def fun(P, rows):
        a, k = P[:, :1], P[:, 1:2]
        e = np.exp(-k * x)
        return a * e - y[rows], np.stack([e, -a * x * e], axis=-1)

    return fun


def test_recovers_exponential_and_its_standard_errors():
    rng = np.random.default_rng(0)
    x = np.linspace(0, 5, 200)
    y = 3.0 * np.exp(-0.7 * x) + rng.normal(0, 0.01, x.size)
    res = fit(_exp_model(x, y[None, :]), Parameters([Parameter("a", 1.0, min=0), Parameter("k", 5.0, min=0)]))
    # linearised covariance at the solution: compare with an independent numpy computation
    a, k = res["a"].value, res["k"].value
    J = np.column_stack([np.exp(-k * x), -a * x * np.exp(-k * x)])
    s2 = res.chi2 / (x.size - 2)
    se = np.sqrt(np.diag(np.linalg.inv(J.T @ J) * s2))
    assert res.success
    assert abs(a - 3.0) < 4 * se[0] and abs(k - 0.7) < 4 * se[1]
    np.testing.assert_allclose([res["a"].stderr, res["k"].stderr], se, rtol=1e-6)


def test_batch_solves_each_problem_independently():
    x = np.linspace(0, 3, 50)
    truths = np.array([[2.0, 3.0], [1.0, 0.5], [10.0, 1.5]])
    y = truths[:, :1] * np.exp(-truths[:, 1:] * x)
    params = Parameters([Parameter("a", 1.0, min=0), Parameter("k", 1.0, min=0)])
    results = fit_batch(_exp_model(x, y), params, starts=np.ones((3, 2)))
    np.testing.assert_allclose([[r["a"].value, r["k"].value] for r in results], truths, rtol=1e-7)


def test_fixed_parameter_is_held_and_bounds_are_respected():
    x = np.linspace(0, 3, 50)
    y = (2.0 * np.exp(-3.0 * x))[None, :]
    params = Parameters([Parameter("a", 2.5, fixed=True), Parameter("k", 1.0, min=0.0, max=2.0)])
    res = fit(_exp_model(x, y), params)
    assert res["a"].value == 2.5 and res["a"].stderr is None
    assert res["k"].value <= 2.0
    assert any("bound" in w for w in res.warnings)


def test_undetermined_parameter_is_reported():
    x = np.linspace(0, 1, 20)
    y = (2 * x)[None, :]

    def fun(P, rows):  # y = (a + b) x: only the sum is determined
        s = P[:, :1] + P[:, 1:2]
        return s * x - y[rows], np.stack([x + 0 * s, x + 0 * s], axis=-1)

    res = fit(fun, Parameters([Parameter("a", 1.0), Parameter("b", 0.5)]))
    assert set(res.undetermined) == {"a", "b"} or res.warnings


def test_transform_round_trip_and_derivative():
    params = Parameters([
        Parameter("r", 1e6, min=0), Parameter("n", 0.8, min=0, max=1), Parameter("x", -3.0),
        Parameter("q", 1e-11, min=1e-15, max=1.0, scale="log"), Parameter("s", 5.0, min=2.0, scale="linear"),
    ])
    t = Transform(params)
    p = params.value_array
    u = t.to_u(p)
    np.testing.assert_allclose(t.to_p(u), p, rtol=1e-12)
    h = 1e-6
    numeric = (t.to_p(u + h) - t.to_p(u - h)) / (2 * h)
    np.testing.assert_allclose(t.dp_du(u), numeric, rtol=1e-6)


def test_bad_parameters_are_rejected():
    with pytest.raises(ParameterError):
        Parameter("a", 5.0, min=0, max=1)
    with pytest.raises(ParameterError):
        Parameters([Parameter("a", 1.0), Parameter("a", 2.0)])
    with pytest.raises(FitError):
        fit(lambda P, r: (P, None), Parameters([Parameter("a", 1.0, fixed=True)]))


def test_estimates_arrays_agree_with_the_results_they_build():
    from sselab.fitting.engine import fit_best_arrays

    x = np.linspace(0, 3, 50)
    # problem 0 fits freely; problem 1 needs k above its bound 2 (ends at the bound);
    # problem 2 has no decay at all in a flat line through 0 (a undetermined once k grows)
    y = np.stack([2.0 * np.exp(-1.0 * x), 2.0 * np.exp(-3.0 * x), np.zeros_like(x) + 1e-3 * np.sin(7 * x)])
    params = Parameters([Parameter("a", 1.0, min=0), Parameter("k", 1.0, min=0.0, max=2.0)])
    kept, est = fit_best_arrays(_exp_model(x, y), params, starts=np.ones((3, 2)), groups=np.arange(3))
    assert kept == [0, 1, 2]
    results = [est.result(j) for j in range(3)]
    assert est.at_bound.tolist() == [any(p.at_bound for p in r.parameters) for r in results]
    assert est.at_bound[1] and not est.at_bound[0]
    assert est.undetermined.tolist() == [bool(r.undetermined) for r in results]
    assert est.success.tolist() == [r.success for r in results]
    assert est.chi2.tolist() == [r.chi2 for r in results]
    for j, r in enumerate(results):
        se = [np.nan if p.stderr is None else p.stderr for p in r.parameters]
        np.testing.assert_array_equal(est.stderr[j], se)


def test_fit_passes_ftol_to_the_solver():
    """``fit(ftol=...)``: a loose tolerance stops earlier, with a cost no lower than the tight
    fit's and within the loose relative tolerance of it per accepted step; the default is the
    solver's 1e-10 (same result as not passing it)."""
    rng = np.random.default_rng(3)
    x = np.linspace(0, 5, 200)
    y = (3.0 * np.exp(-0.7 * x) + rng.normal(0, 0.01, x.size))[None, :]
    params = Parameters([Parameter("a", 1.0, min=0), Parameter("k", 5.0, min=0)])
    tight = fit(_exp_model(x, y), params)
    default = fit(_exp_model(x, y), params, ftol=1e-10)
    loose = fit(_exp_model(x, y), params, ftol=1e-2)
    assert default.chi2 == tight.chi2 and default.n_iter == tight.n_iter
    assert loose.n_iter < tight.n_iter
    assert tight.chi2 <= loose.chi2 <= tight.chi2 * 1.05
    assert abs(loose["k"].value - 0.7) < 0.05


def test_a_pickled_fit_result_comes_back_frozen_without_its_cached_views():
    """FitResult caches names, free_names and correlation on first read; a pickle carries the
    fields only, and the result read back has read-only arrays (unpickling skips __post_init__)
    and the same views, computed again."""
    import pickle

    from sselab.fitting.result import FitResult, ParameterEstimate

    res = FitResult((ParameterEstimate("a", 2.0, 0.1), ParameterEstimate("b", 1.0, 0.2)),
                    np.array([[0.01, 0.004], [0.004, 0.04]]), 3.0, 10, np.arange(10.0), True, "ok")
    corr = res.correlation
    assert res.free_names == ("a", "b") and corr[0, 1] == pytest.approx(0.2) and not corr.flags.writeable
    state = res.__getstate__()
    assert not {"names", "free_names", "correlation"} & set(state)
    back = pickle.loads(pickle.dumps(res))
    assert not back.covariance.flags.writeable and not back.residuals.flags.writeable
    assert "correlation" not in back.__dict__ and back.parameters == res.parameters and back.chi2 == res.chi2
    np.testing.assert_array_equal(back.correlation, corr)
