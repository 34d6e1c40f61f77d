"""The Python API: CircuitModel(circuit).fit(spectrum), readable repr/summary/plot, argument
mistakes in one line; `eis suggest` text wrapped to 80 columns with key values."""

import numpy as np
import pytest

from sselab.eis import CircuitModel, fit_circuit, simulate_spectrum
from sselab.exceptions import SselabError
from sselab.io.writers import write_spectrum_csv

TRUTH = {"R0": 500, "R1": 1e4, "CPE1.Q": 1e-9, "CPE1.n": 0.9}


def _spectrum():
    return simulate_spectrum("R0-p(R1,CPE1)", TRUTH, np.logspace(6, -1, 60), noise=0.002, seed=1)


def test_estimator_fits_like_fit_circuit_and_reads_well():
    s = _spectrum()
    model = CircuitModel("R0-p(R1,CPE1)").fit(s)
    direct = fit_circuit(s, "R0-p(R1,CPE1)")
    assert model.values == pytest.approx(direct.values, rel=1e-9)  # one code path
    for name, true in TRUTH.items():
        assert abs(model.values[name] - true) < 4 * model.stderr[name], name
    text = repr(model)
    assert text.startswith("CircuitModel('R0-p(R1,CPE1)', weighting='modulus') fitted to 60 points")
    assert len(text.splitlines()) == 5 and "R1     = " in text and "array" not in text
    summary = model.summary()
    assert "status:" in summary and "C_eff(R1)" in summary and "chi2" in summary
    r = repr(model.result_)
    assert r.startswith("CircuitFit('R0-p(R1,CPE1)', 60 points") and "\n" not in r
    fig = model.plot()
    assert len(fig.axes) >= 3
    np.testing.assert_allclose(model.predict(), direct.predict(), rtol=1e-9)


def test_estimator_masks_and_records():
    s = _spectrum()
    model = CircuitModel("R0-p(R1,CPE1)", f_max_Hz=1e5, mask=[59]).fit(s)
    assert model.result_.n_points == int(np.sum(s.frequency_Hz <= 1e5)) - 1
    assert model.to_dict()["mask"]["n_masked"] == 60 - model.result_.n_points
    assert "points masked" in model.summary()


def test_argument_mistakes_named_in_one_line():
    s = _spectrum()
    with pytest.raises(SselabError) as e:
        fit_circuit("R0-p(R1,CPE1)", s)  # impedance.py's order
    msg = str(e.value)
    assert "spectrum comes first" in msg and "\n" not in msg and len(msg) < 200
    with pytest.raises(SselabError) as e:
        CircuitModel(s)
    assert "\n" not in str(e.value)
    with pytest.raises(SselabError, match="expected a Spectrum"):
        CircuitModel("R0-p(R1,CPE1)").fit(np.ones(5))
    with pytest.raises(SselabError, match="not fitted yet"):
        CircuitModel("R0-p(R1,CPE1)").summary()


def test_suggest_text_fits_80_columns_with_values(tmp_path, cli):
    path = tmp_path / "s.csv"
    write_spectrum_csv(path, _spectrum())
    rc, out, err = cli("eis", "suggest", path)
    assert rc == 0, err
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    # the best candidate's circuit is printed whole (not cut with …) and its values follow
    assert "…" not in out and any("R0-p(R1,CPE1)" in line for line in lines[:3])
    assert "R1\u00a0=\u00a0" in out and "C_eff(R1)" in out
