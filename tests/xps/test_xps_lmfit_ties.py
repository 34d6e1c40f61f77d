"""Ties resolved in Python (sselab.xps._lmfit) against lmfit's own expression constraints."""

import lmfit
import numpy as np
import pytest

from sselab.exceptions import ParameterError
from sselab.xps import _lmfit


def _specs():
    # b = 2 a; c = 0.5 b + 1 (a chain); d fixed; e = -3 d (tied to a fixed parameter)
    return [_lmfit.ParamSpec("a", 1.0, 0.0, 10.0), _lmfit.ParamSpec("w", 0.5, 0.01, 5.0),
            _lmfit.ParamSpec("c", 0.0, tie=_lmfit.Tie("b", factor=0.5, offset=1.0)),
            _lmfit.ParamSpec("b", 0.0, tie=_lmfit.Tie("a", factor=2.0)),
            _lmfit.ParamSpec("d", 0.25, vary=False), _lmfit.ParamSpec("e", 0.0, tie=_lmfit.Tie("d", factor=-3.0))]


def _data():
    x = np.linspace(-3, 3, 200)
    rng = np.random.default_rng(4)
    truth = {"a": 2.0, "w": 0.7, "b": 4.0, "c": 3.0, "d": 0.25, "e": -0.75}
    y = truth["a"] * np.exp(-x**2 / truth["w"]) + truth["c"] * np.exp(-(x - 1) ** 2) + truth["e"] * x
    return x, y + rng.normal(0, 0.02, x.size), truth


def _model(v, x):
    return v["a"] * np.exp(-x**2 / v["w"]) + v["c"] * np.exp(-(x - 1) ** 2) + v["e"] * x


def test_python_ties_equal_lmfit_expressions():
    x, y, truth = _data()
    ours = _lmfit.minimize(lambda v: (y - _model(v, x)) / 0.02, _specs())
    # the reference: lmfit evaluating the same ties as expressions (asteval) on every call
    params = _lmfit.to_parameters(_specs())
    ref = lmfit.minimize(lambda p: (y - _model(p.valuesdict(), x)) / 0.02, params, method="leastsq")
    for name in ("a", "w", "b", "c", "d", "e"):
        assert ours.values[name] == pytest.approx(ref.params[name].value, rel=1e-12), name
        assert ours.values[name] == pytest.approx(truth[name], abs=5 * (ours.stderr[name] or 0) + 1e-12), name
    for name in ("a", "w", "b", "c"):  # propagated through the covariance by lmfit/uncertainties
        assert ours.stderr[name] == pytest.approx(ref.params[name].stderr, rel=1e-6), name
    assert ours.stderr["c"] == pytest.approx(ours.stderr["a"], rel=1e-12)  # 0.5 × 2 × σ(a)
    assert ours.stderr["e"] == 0.0 and ours.stderr["d"] == 0.0
    assert ours.n_free == 2 and ours.free_names == ("a", "w")
    assert ours.bounds["c"][3] is False and ours.bounds["c"][2] == pytest.approx(2.0)  # start 0.5·2·1 + 1
    assert ours.chi2 == pytest.approx(ref.chisqr, rel=1e-12)


def test_tie_cycle_and_unknown_source_are_parameter_errors():
    cyc = [_lmfit.ParamSpec("a", 1.0, tie=_lmfit.Tie("b")), _lmfit.ParamSpec("b", 1.0, tie=_lmfit.Tie("a"))]
    with pytest.raises(ParameterError, match="cycle"):
        _lmfit.minimize(lambda v: np.array([v["a"] - 1.0, v["b"]]), cyc)
    with pytest.raises(ParameterError, match="unknown"):
        _lmfit.minimize(lambda v: np.array([v["a"]]), [_lmfit.ParamSpec("a", 1.0, tie=_lmfit.Tie("zz"))])
    with pytest.raises(ParameterError, match="invalid parameter name"):
        _lmfit.minimize(lambda v: np.array([v["a"]]),
                        [_lmfit.ParamSpec("a", 1.0, tie=_lmfit.Tie("__import__('os')"))])
