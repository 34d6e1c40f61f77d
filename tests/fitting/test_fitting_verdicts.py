"""The generic fit rules of sselab.fitting.verdicts on fits with known truth."""

import numpy as np
import pytest

from sselab.fitting import Parameter, Parameters, fit
from sselab.fitting.result import FitResult, ParameterEstimate
from sselab.fitting.verdicts import MISFIT_FAILED, MISFIT_WARNING, fit_verdict

X = np.linspace(0, 4, 60)


def _decay(y):
    def fun(P, rows):
        a, k = P[:, :1], P[:, 1:2]
        e = np.exp(-k * X)
        return a * e - y, np.stack([e, -a * X * e], axis=-1)
    return fun


def _params(k0=1.0, kmax=np.inf):
    return Parameters([Parameter("a", 1.0, min=0, unit="V"), Parameter("k", k0, min=0, max=kmax, unit="1/s")])


def test_a_good_fit_of_noisy_data_is_ok_and_the_noise_it_shows_passes():
    rng = np.random.default_rng(3)
    sigma = 0.01
    y = 3.0 * np.exp(-0.7 * X) + sigma * rng.standard_normal(X.size)
    res = fit(_decay(y), _params())
    v = fit_verdict(res, noise=sigma)
    assert v.status == "ok", v.summary()
    assert res.to_dict()["status"] == "ok" and res.to_dict()["reasons"] == []
    assert res.verdict.status == "ok"


def test_misfit_against_a_stated_noise_warns_then_fails():
    y = 3.0 * np.exp(-0.7 * X) + 0.05 * np.sin(9 * X)  # a feature the model lacks
    res = fit(_decay(y), _params())
    rms = np.sqrt(res.chi2 / res.dof)
    assert fit_verdict(res, noise=rms / (MISFIT_WARNING + 1)).status == "warning"
    v = fit_verdict(res, noise=rms / (MISFIT_FAILED + 1))
    assert v.status == "failed" and "misfit" in v.codes
    assert fit_verdict(res, noise=rms).status != "failed"
    assert "systematic_residuals" in fit_verdict(res).codes  # runs test sees the sine


def test_a_parameter_pushed_onto_a_bound_warns():
    y = 3.0 * np.exp(-0.7 * X)
    res = fit(_decay(y), _params(k0=0.3, kmax=0.5))  # truth 0.7 outside [0, 0.5]
    v = fit_verdict(res)
    assert "at_bound" in v.codes and v.status != "ok"


def _result(values, stderrs, mins=None, success=True):
    mins = mins or [0.0] * len(values)
    ps = tuple(ParameterEstimate(f"p{i}", v, s, "Ohm", False, m, np.inf)
               for i, (v, s, m) in enumerate(zip(values, stderrs, mins)))
    k = len(values)
    cov = np.diag([(s if s is not None else np.nan) ** 2 for s in stderrs]) if k else np.zeros((0, 0))
    r = np.random.default_rng(0).standard_normal(40) * 1e-3
    return FitResult(ps, cov, float(r @ r), r.size, r, success, "converged" if success else "maximum iterations")


@pytest.mark.parametrize("values, stderrs, code", [
    ([10.0, 1.1e27], [0.1, 2.1e55], "diverged"),           # exampleData.csv R2
    ([10.0, 3.99e50], [0.1, 1e40], "diverged"),            # an absurd magnitude even with a small stderr
    ([10.0, 5.0], [0.1, None], "no_stderr"),
    ([10.0, 1.8e-29], [0.1, 2.09e47], "diverged"),         # peis.mpr R2, walked down without end
])
def test_diverged_parameters_fail_the_fit(values, stderrs, code):
    v = fit_verdict(_result(values, stderrs))
    assert v.status == "failed" and code in v.codes


def test_failures_of_parameters_the_result_does_not_use_are_warnings():
    res = _result([10.0, 1.1e27], [0.1, 2.1e55])
    v = fit_verdict(res, depends_on=["p0"])
    assert v.status == "warning" and "diverged" in v.codes
    assert fit_verdict(res, depends_on=["p1"]).status == "failed"
    with pytest.raises(ValueError):
        fit_verdict(res, depends_on=["nope"])


def test_absurdly_small_values_fail_unless_they_sit_on_a_zero_bound():
    res = _result([10.0, 1.2e-31], [0.1, 1e-33], mins=[0.0, -np.inf])  # no zero bound: a runaway
    assert "diverged" in fit_verdict(res).codes and fit_verdict(res).status == "failed"
    # bounded below by 0 (C_geo = 1.2e-31 F): "0, not resolved"; EIS adds absurd_capacitance
    assert fit_verdict(_result([10.0, 1.2e-31], [0.1, 1e-33])).codes == ("at_lower_bound",)


def test_a_parameter_collapsed_onto_zero_is_at_lower_bound_and_fails_what_depends_on_it():
    res = _result([9.8597e-305, 50.0], [None, 0.5])
    v = fit_verdict(res)
    assert v.status == "warning" and v.codes == ("at_lower_bound",)
    assert fit_verdict(res, depends_on=["p0"]).status == "failed"


def test_undetermined_and_not_converged():
    assert fit_verdict(_result([10.0, 5.0], [0.1, 8.0])).codes == ("undetermined",)
    # far below a sane standard error: consistent with 0, not a runaway
    assert fit_verdict(_result([10.0, 3.8e-5], [0.1, 3e3])).codes == ("undetermined",)
    v = fit_verdict(_result([10.0, 5.0], [0.1, 0.1], success=False))
    assert v.status == "warning" and "not_converged" in v.codes


def test_near_total_correlation_warns():
    ps = (ParameterEstimate("a", 1.0, 0.1, "", False, 0, np.inf), ParameterEstimate("b", 2.0, 0.1, "", False, 0, np.inf))
    cov = 0.01 * np.array([[1.0, 0.999999], [0.999999, 1.0]])
    r = np.random.default_rng(1).standard_normal(30)
    v = fit_verdict(FitResult(ps, cov, float(r @ r), 30, r, True, "converged"))
    assert v.codes == ("correlated",)


def test_correlated_pairs_on_python_floats_are_the_numpy_ones():
    """The small-matrix path (Python floats) finds the same pairs, in the same order, with the same
    r, as the numpy path kept for large matrices, and as FitResult.correlation gives them — σ of 0,
    NaN, ±inf and correlations at the threshold included."""
    from sselab.fitting import diagnostics

    rng = np.random.default_rng(3)
    t = diagnostics.CORRELATION_WARNING
    found = 0
    for k in (1, 2, 3, 7, 12, 16):
        for _ in range(200):
            sd = rng.choice([1e-3, 1.0, 7e4, 0.0, np.nan, np.inf], size=k, p=[.3, .3, .25, .05, .05, .05])
            corr = rng.choice([0.2, t, -t, np.nextafter(t, 2), -np.nextafter(t, 2), -0.99995, 1.0], size=(k, k))
            corr = np.triu(corr, 1) + np.triu(corr, 1).T + np.eye(k)
            with np.errstate(invalid="ignore"):
                cov = corr * np.outer(sd, sd)
            saved = diagnostics._FEW_PARAMETERS
            try:
                diagnostics._FEW_PARAMETERS = 10_000
                small = diagnostics.correlated_pairs(cov)
                diagnostics._FEW_PARAMETERS = 0
                large = diagnostics.correlated_pairs(cov)
            finally:
                diagnostics._FEW_PARAMETERS = saved
            assert small == large and all(type(r) is float for *_, r in small)
            ps = tuple(ParameterEstimate(f"p{i}", 1.0, 0.1, "", False, -np.inf, np.inf) for i in range(k))
            c = FitResult(ps, cov, 1.0, 30, np.zeros(30), True, "converged").correlation
            assert small == [(i, j, float(c[i, j])) for i in range(k) for j in range(i + 1, k)
                             if np.isfinite(c[i, j]) and abs(c[i, j]) > t]
            found += len(small)
    assert found > 1000
