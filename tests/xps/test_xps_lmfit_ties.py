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


def _joint():
    """Three 'spectra': a shared centre and width, an amplitude and offset each, bounded."""
    x = np.linspace(-4, 4, 120)
    rng = np.random.default_rng(7)
    amps, offs = (3.0, 1.5, 0.4), (0.2, -0.1, 0.05)
    ys = [a * np.exp(-((x - 0.3) / 0.9) ** 2) + o + rng.normal(0, 0.03, x.size) for a, o in zip(amps, offs)]
    specs = [_lmfit.ParamSpec("cen", 0.0, -1.0, 1.0), _lmfit.ParamSpec("wid", 1.2, 0.1, 3.0)]
    for k in range(3):
        specs += [_lmfit.ParamSpec(f"a{k}", 1.0, 0.0, np.inf), _lmfit.ParamSpec(f"o{k}", 0.0),
                  _lmfit.ParamSpec(f"h{k}", 0.0, tie=_lmfit.Tie(f"a{k}", factor=0.5, offset=0.1))]

    def part(k):
        return lambda v: (ys[k] - v[f"a{k}"] * np.exp(-((x - v["cen"]) / v["wid"]) ** 2) - v[f"o{k}"]
                          - 0.0 * v[f"h{k}"]) / 0.03
    blocks = [_lmfit.Block(frozenset({"cen", "wid", f"a{k}", f"o{k}", f"h{k}"}), part(k)) for k in range(3)]
    return specs, blocks, amps


@pytest.mark.parametrize("max_nfev", [4000, 15])
def test_block_sparse_jacobian_reproduces_lmfit_leastsq(max_nfev):
    specs, blocks, amps = _joint()
    full = lambda v: np.concatenate([b.residual(v) for b in blocks])  # noqa: E731
    ours = _lmfit.minimize(full, specs, max_nfev=max_nfev, blocks=blocks)
    ref = lmfit.minimize(lambda p: full(p.valuesdict()), _lmfit.to_parameters(specs), method="leastsq",
                         max_nfev=max_nfev)
    assert ours.message == ref.message and ours.success == ref.success
    for name, p in ref.params.items():
        assert ours.values[name] == pytest.approx(p.value, rel=1e-13, abs=1e-15), name
        if p.stderr is None:
            assert ours.stderr[name] is None
        else:
            assert ours.stderr[name] == pytest.approx(p.stderr, rel=1e-7), name
    assert ours.chi2 == pytest.approx(ref.chisqr, rel=1e-13)
    if max_nfev == 4000:  # converged: the truth within 5 σ, full error bars
        assert ref.errorbars
        for k, a in enumerate(amps):
            assert abs(ours.values[f"a{k}"] - a) < 5 * ours.stderr[f"a{k}"]
        np.testing.assert_allclose(ours.covariance, ref.covar, rtol=1e-10)
    else:  # aborted after 15 evaluations: no error bars, lmfit's message
        assert "Could not estimate error-bars" in ours.message
