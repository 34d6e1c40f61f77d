"""fit_circuit_batch gives the single-spectrum answers, isolates failures, and chunks exactly."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.eis.batch import FitFailure, fit_circuit_batch
from sselab.eis.circuit import Circuit
from sselab.eis.fit import fit_circuit
from sselab.eis.initial import initial_values, starts_many
from sselab.eis.simulate import paper_frequencies, simulate_spectrum
from sselab.measurements import Spectrum
from sselab.simulate.paper import EBE_STACK_CIRCUIT, MaterialModel

SEVEN = "R0-p(R1,CPE1)-p(R2,CPE2)"


def _ebe_spectra(n: int, seed: int = 1) -> list[Spectrum]:
    """Noisy (0.5 %) eBE-stack spectra between 40 and 160 °C, parameters jittered ±20 %."""
    rng = np.random.default_rng(seed)
    model = MaterialModel()
    out = []
    for i, T in enumerate(np.linspace(313.15, 433.15, n)):
        truth = {k: (v if k.endswith(".n") else v * rng.uniform(0.8, 1.2)) for k, v in model.ebe_stack_values(T).items()}
        out.append(simulate_spectrum(EBE_STACK_CIRCUIT, truth, paper_frequencies(), noise=0.005, seed=seed * 100 + i,
                                     source=f"ebe-{i}"))
    return out


def _seven_spectra(n: int, seed: int = 2) -> list[Spectrum]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        truth = {"R0": rng.uniform(5, 50), "R1": 10 ** rng.uniform(3, 4), "CPE1.Q": 10 ** rng.uniform(-10, -9),
                 "CPE1.n": rng.uniform(0.8, 0.95), "R2": 10 ** rng.uniform(4, 5), "CPE2.Q": 10 ** rng.uniform(-7, -6),
                 "CPE2.n": rng.uniform(0.75, 0.9)}
        # two different grids of equal length share one batch
        f = np.logspace(6, -1, 60) if i % 2 else np.logspace(5.5, -1.5, 60)
        out.append(simulate_spectrum(SEVEN, truth, f, noise=0.005, seed=seed * 100 + i, source=f"seven-{i}"))
    return out


def _same_values(a, b, rtol: float) -> None:
    """Every parameter the data determine equal to ``rtol``; an undetermined one (standard error
    above its value, e.g. a series resistance of 1e-7 Ω) within its standard error: a batch and a
    single fit may run on different engines (compiled and numpy, equal to rounding), and such a
    parameter is free to move along its flat direction."""
    for pa, pb in zip(a.result.parameters, b.result.parameters):
        if pa.name in a.result.undetermined:
            assert abs(pb.value - pa.value) <= (pa.stderr if pa.stderr is not None else np.inf), pa.name
        else:
            assert pb.value == pytest.approx(pa.value, rel=rtol), pa.name


def _assert_same(single, batched, as_dict: bool = True) -> None:
    _same_values(single, batched, 1e-6)
    assert batched.chi2 == pytest.approx(single.chi2, rel=1e-6)
    assert batched.success == single.success
    assert batched.initial == pytest.approx(single.initial, rel=1e-6)
    if not as_dict:
        return
    da, db = single.to_dict(), batched.to_dict()
    assert da.keys() == db.keys()
    for key in ("circuit", "weighting", "n_points", "source", "temperature_K", "notes", "undetermined"):
        assert db[key] == da[key]
    for name, p in da["parameters"].items():
        q = db["parameters"][name]
        if name in single.result.undetermined:
            continue  # compared within its error above
        assert q["value"] == pytest.approx(p["value"], rel=1e-6)
        if p["stderr"] is not None:
            assert q["stderr"] == pytest.approx(p["stderr"], rel=1e-4)


@pytest.mark.parametrize("circuit, make", [(EBE_STACK_CIRCUIT, _ebe_spectra), (SEVEN, _seven_spectra)])
def test_batched_equals_single_and_recovers_truth(circuit, make):
    spectra = make(8)
    batched = fit_circuit_batch(spectra, circuit)
    for s, fb in zip(spectra, batched):
        fs = fit_circuit(s, circuit)
        _assert_same(fs, fb)
        truth = s.metadata["truth"]
        # resistances recovered from 0.5 % noise within their standard errors
        # (canonical order = truth's order, fast arc first)
        for name in [n for n in truth if n.startswith("R")]:
            est = fb[name]
            assert abs(est.value - truth[name]) <= 4 * est.stderr + 0.02 * truth[name], (s.source, name)


@pytest.mark.parametrize("kernel", ["numpy", "numba"])
def test_chunking_gives_the_same_answers(monkeypatch, kernel):
    if kernel == "numba":
        pytest.importorskip("numba")
    monkeypatch.setenv("SSELAB_FIT_KERNEL", kernel)
    spectra = _seven_spectra(7)
    one = fit_circuit_batch(spectra, SEVEN, chunk_size=100)
    many = fit_circuit_batch(spectra, SEVEN, chunk_size=2)
    assert {f.engine for f in one} == {f.engine for f in many} == {kernel}
    for a, b in zip(one, many):  # bit for bit: no number of a spectrum's fit depends on the others in its chunk
        assert np.array_equal(a.result.value_array, b.result.value_array) and b.chi2 == a.chi2
        assert np.array_equal(a.result.covariance, b.result.covariance, equal_nan=True)


def test_failures_are_isolated_per_spectrum():
    good = _seven_spectra(3)
    f = good[0].frequency_Hz
    z = good[0].impedance_ohm.copy()
    z[5] = np.nan
    nan = Spectrum(frequency_Hz=f, impedance_ohm=z, source="has-nan")
    tiny = Spectrum(frequency_Hz=f[:3], impedance_ohm=good[0].impedance_ohm[:3], source="three-points")
    negative = Spectrum(frequency_Hz=-f, impedance_ohm=good[1].impedance_ohm, source="negative-f")
    items = [good[0], nan, good[1], tiny, negative, good[2], "not a spectrum"]
    out = fit_circuit_batch(items, SEVEN)
    assert len(out) == len(items)
    for k in (1, 3, 4, 6):
        assert isinstance(out[k], FitFailure) and not out[k].success
        assert out[k].index == k and out[k].to_dict()["error"]
    assert "non-finite" in out[1].error and out[1].source == "has-nan"
    assert "cannot determine" in out[3].error
    assert "positive" in out[4].error
    for k, s in ((0, good[0]), (2, good[1]), (5, good[2])):
        _assert_same(fit_circuit(s, SEVEN), out[k])


def test_vectorised_starts_equal_per_spectrum_starts():
    spectra = _ebe_spectra(5, seed=3)
    c = Circuit(EBE_STACK_CIRCUIT)
    f = spectra[0].frequency_Hz
    many = starts_many(c, f, np.stack([s.impedance_ohm for s in spectra]), 4)
    for s, got in zip(spectra, many):
        np.testing.assert_allclose(got.all(), initial_values(c, f, s.impedance_ohm, 4), rtol=1e-9)
        np.testing.assert_allclose(got.first, got.all()[0], rtol=0)  # the best, computed alone, is the first


def test_fixed_and_initial_apply_to_every_spectrum():
    spectra = _seven_spectra(3)
    out = fit_circuit_batch(spectra, SEVEN, fixed={"R0": 20.0}, initial={"R1": 3e3})
    for s, fb in zip(spectra, out):
        fs = fit_circuit(s, SEVEN, fixed={"R0": 20.0}, initial={"R1": 3e3})
        assert fb["R0"].value == 20.0 and fb["R0"].fixed
        _assert_same(fs, fb, as_dict=False)
