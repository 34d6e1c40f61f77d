"""Circuit fitting: recovery of simulated truth within stated errors, scale-free behaviour,
canonical arc order, honest failure, and real spectra against impedance.py's guided fit."""

import numpy as np
import pytest

from sselab.eis import Circuit, fit_circuit, paper_frequencies, simulate_spectrum
from sselab.eis.fit import effective_capacitance
from sselab.exceptions import FitError
from sselab.measurements import Spectrum

TWO_ARCS = "R0-p(R1,CPE1)-p(R2,CPE2)"


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    "circuit, truth",
    [
        (TWO_ARCS, {"R0": 1e3, "R1": 1e6, "CPE1.Q": 1e-11, "CPE1.n": 0.9, "R2": 3e6, "CPE2.Q": 1e-8, "CPE2.n": 0.75}),
        ("R0-p(R1,CPE1)-p(R2,CPE2)-CPE3",
         {"R0": 5, "R1": 1e4, "CPE1.Q": 1e-10, "CPE1.n": 0.9, "R2": 3e4, "CPE2.Q": 1e-8, "CPE2.n": 0.8,
          "CPE3.Q": 1e-6, "CPE3.n": 0.8}),
        ("R0-p(R1,C1)-Wo1", {"R0": 2, "R1": 50, "C1": 1e-6, "Wo1.R": 100, "Wo1.tau": 1}),
        ("R0-p(R1,CPE1)-G1", {"R0": 2, "R1": 50, "CPE1.Q": 1e-6, "CPE1.n": 0.9, "G1.R": 100, "G1.tau": 1e-2}),
    ],
)
def test_recovers_simulated_parameters_within_errors(circuit, truth, seed):
    s = simulate_spectrum(circuit, truth, paper_frequencies(), noise=0.005, seed=seed)
    fit = fit_circuit(s, circuit)  # automatic initial values only
    assert fit.success
    for name, value in truth.items():
        est = fit[name]
        if name == "R0" and truth["R0"] < 1e-3 * sum(v for k, v in truth.items() if k.startswith("R")):
            continue  # a tiny series resistance under a large arc is legitimately undetermined
        assert est.stderr is not None, name
        assert abs(est.value - value) < 4.5 * est.stderr, (name, est.value, value, est.stderr)
    # the reduced χ² matches the noise put in: 2·(0.005)² per point pair
    assert fit.result.reduced_chi2 == pytest.approx(0.005**2, rel=0.35)


def test_pellet_and_thin_film_fit_equally_well():
    """Scale-free: a 1e6 Ω pellet with Q ~1e-11 and a 1 Ω film give the same relative errors."""
    base = {"R0": 1e-3, "R1": 1.0, "CPE1.Q": 1e-5, "CPE1.n": 0.85, "R2": 3.0, "CPE2.Q": 1e-2, "CPE2.n": 0.8}
    rel = []
    for scale in (1.0, 1e6):
        truth = {k: v * scale if k.startswith("R") else (v / scale if k.endswith(".Q") else v) for k, v in base.items()}
        s = simulate_spectrum(TWO_ARCS, truth, paper_frequencies(), noise=0.002, seed=7)
        fit = fit_circuit(s, TWO_ARCS)
        rel.append([fit[k].value / truth[k] for k in ("R1", "R2", "CPE1.n", "CPE2.n")])
    np.testing.assert_allclose(rel[0], 1, rtol=0.03)
    np.testing.assert_allclose(rel[1], rel[0], rtol=1e-4)


def test_arcs_are_reported_fastest_first_whatever_the_labels():
    # truth written with the slow arc as R1: the fit must call the fast arc R1
    truth = {"R0": 10, "R1": 5e4, "CPE1.Q": 1e-6, "CPE1.n": 0.8, "R2": 1e4, "CPE2.Q": 1e-10, "CPE2.n": 0.9}
    s = simulate_spectrum(TWO_ARCS, truth, paper_frequencies(), noise=0.003, seed=3)
    fit = fit_circuit(s, TWO_ARCS)
    assert fit["R1"].value == pytest.approx(1e4, rel=0.02)
    assert fit["R2"].value == pytest.approx(5e4, rel=0.02)
    f1, f2 = fit.characteristic_frequency["R1"], fit.characteristic_frequency["R2"]
    assert f1 > f2


def test_effective_capacitance_formula():
    # n = 1 gives back Q; hand value for n = 0.8
    assert effective_capacitance(1e3, 2e-6, 1.0) == pytest.approx(2e-6)
    assert effective_capacitance(1e3, 1e-6, 0.8) == pytest.approx((1e3**0.2 * 1e-6) ** 1.25)


def test_unresolvable_arc_is_flagged_not_hidden():
    # bulk arc apex at ~14 MHz, beyond the 1 MHz window: R0 and R1 cannot be separated
    truth = {"R0": 14.6, "R1": 88.4, "CPE1.Q": 2e-9, "CPE1.n": 0.85, "R2": 500, "CPE2.Q": 1e-5, "CPE2.n": 0.8}
    s = simulate_spectrum(TWO_ARCS, truth, paper_frequencies(), noise=0.005, seed=1)
    fit = fit_circuit(s, TWO_ARCS)
    assert fit.result.undetermined or any("bound" in w for w in fit.result.warnings)
    # what is determined is still right: the interface arc and the total high-frequency resistance
    assert fit["R2"].value == pytest.approx(500, rel=0.02)


def test_fixed_and_initial_values_are_honoured():
    truth = {"R0": 20, "R1": 500, "C1": 1e-6}
    s = simulate_spectrum("R0-p(R1,C1)", truth, paper_frequencies(60), noise=0.001, seed=2)
    fit = fit_circuit(s, "R0-p(R1,C1)", fixed={"R0": 25.0}, initial={"R1": 400})
    assert fit["R0"].value == 25.0 and fit["R0"].fixed
    assert fit["R1"].value == pytest.approx(495, rel=0.02)


@pytest.mark.parametrize("weighting", ["modulus", "proportional", "unit"])
def test_weightings(weighting):
    truth = {"R0": 20, "R1": 500, "CPE1.Q": 1e-6, "CPE1.n": 0.9}
    s = simulate_spectrum("R0-p(R1,CPE1)", truth, paper_frequencies(50))
    fit = fit_circuit(s, "R0-p(R1,CPE1)", weighting=weighting)
    for k, v in truth.items():
        assert fit[k].value == pytest.approx(v, rel=1e-5)


def test_too_few_points_and_bad_values():
    s = Spectrum(frequency_Hz=[1e3, 1e2], impedance_ohm=[1 - 1j, 2 - 2j], source="tiny.csv")
    with pytest.raises(FitError, match="tiny.csv"):
        fit_circuit(s, "R0-p(R1,CPE1)")
    s = Spectrum(frequency_Hz=[1e3, 1e2, 10, 1], impedance_ohm=[1 - 1j, np.nan, 2, 3], source="nan.csv")
    with pytest.raises(FitError, match="non-finite"):
        fit_circuit(s, "R0-p(R1,C1)")


def test_json_dict_has_contract_keys():
    s = simulate_spectrum("R0-p(R1,C1)", {"R0": 1, "R1": 10, "C1": 1e-5}, paper_frequencies(40), noise=0.001, seed=1)
    d = fit_circuit(s, "R0-p(R1,C1)").to_dict()
    for key in ("circuit", "weighting", "n_points", "chi2", "parameters", "aic", "bic", "correlation",
                "effective_capacitance_F"):
        assert key in d
    assert set(d["parameters"]["R1"]) >= {"value", "stderr", "unit"}
    assert d["parameters"]["R1"]["unit"] == "Ohm"


# ---- real spectra (../shared/data, SOURCES.md rows "eis/...") ------------------------------
def _unit_chi2(spectrum, circuit, values):
    z = Circuit(circuit).impedance(spectrum.frequency_Hz, values)
    return float(np.sum(np.abs(z - spectrum.impedance_ohm) ** 2))


def test_real_example_spectrum_auto_fit_beats_impedancepy_guided_start(shared_data):
    """impedance.py's example: circuit and hand-picked initial guess from its documentation."""
    from sselab.io import read

    s = read(shared_data / "eis" / "exampleData.csv", "spectrum")[0]
    circuit = "R0-p(R1,C1)-p(R2-Wo1,C2)"
    names = Circuit(circuit).parameter_names
    guided = dict(zip(names, [0.01, 0.01, 100, 0.01, 0.05, 100, 1]))
    for weighting in ("unit", "modulus"):
        auto = fit_circuit(s, circuit, weighting=weighting)
        ref = fit_circuit(s, circuit, weighting=weighting, initial=guided)
        assert auto.success
        assert auto.chi2 <= ref.chi2 * (1 + 1e-6)
    # impedance.py's documented result for this spectrum (unit weighting): R0 ≈ 1.65e-2 Ω
    auto = fit_circuit(s, circuit, weighting="unit")
    assert auto["R0"].value == pytest.approx(1.6e-2, rel=0.05)


@pytest.mark.parametrize(
    "name, circuit",
    [("Circuit1_EIS_1.z", "R0-p(R1,C1)"), ("exampleDataGamry.DTA", "R0-p(R1,CPE1)-p(R2,CPE2)")],
)
def test_real_files_fit_to_small_residuals(shared_data, name, circuit):
    from sselab.io import read

    s = read(shared_data / "eis" / name, "spectrum")[0]
    fit = fit_circuit(s, circuit)
    assert fit.success
    assert fit.to_dict()["residuals_rms_percent"] < 5


def test_bulk_arc_above_the_window_with_blocking_tail_reaches_the_noise_floor():
    """A pellet's bulk arc peaking at ~4 MHz beside a blocking-electrode tail: only the tail
    of the arc is measured; the fit must still reach the noise level (not a local minimum)
    and flag what the window cannot resolve."""
    truth = {"R0": 5, "R1": 4e3, "CPE1.Q": 1e-11, "CPE1.n": 0.95, "CPE2.Q": 1e-6, "CPE2.n": 0.85}
    s = simulate_spectrum("R0-p(R1,CPE1)-CPE2", truth, paper_frequencies(), noise=0.003, seed=2)
    fit = fit_circuit(s, "R0-p(R1,CPE1)-CPE2")
    assert fit.result.reduced_chi2 < 1.3 * 0.003**2
    assert fit["R0"].value + fit["R1"].value == pytest.approx(4005, rel=0.01)  # what is determined
    assert fit["CPE2.n"].value == pytest.approx(0.85, abs=0.01)
    assert fit.result.warnings  # the split of R0 and R1 is not trusted silently


def test_extra_starts_only_where_the_first_fit_leaves_structured_residuals():
    """A clean two-arc spectrum, every parameter determined, is done after its best grid start
    (noise-like residuals; with R0 = 20 Ω it is not determined and every start is tried);
    the bulk-arc-above-the-window case, whose first start misfits the high-frequency end
    (a 24-point same-sign run the overall runs count misses), gets every start and reaches
    the noise floor."""
    f = paper_frequencies()
    truth = {"R0": 500.0, "R1": 3e3, "CPE1.Q": 2e-10, "CPE1.n": 0.9, "R2": 2e4, "CPE2.Q": 1e-7, "CPE2.n": 0.8}
    clean = fit_circuit(simulate_spectrum("R0-p(R1,CPE1)-p(R2,CPE2)", truth, f, noise=0.005, seed=4),
                        "R0-p(R1,CPE1)-p(R2,CPE2)")
    assert clean.starts_tried == 1
    assert clean.to_dict()["starts_tried"] == 1
    assert clean["R2"].value == pytest.approx(2e4, rel=0.02)
    hard_truth = {"R0": 5, "R1": 4e3, "CPE1.Q": 1e-11, "CPE1.n": 0.95, "CPE2.Q": 1e-6, "CPE2.n": 0.85}
    hard = fit_circuit(simulate_spectrum("R0-p(R1,CPE1)-CPE2", hard_truth, f, noise=0.003, seed=2),
                       "R0-p(R1,CPE1)-CPE2")
    assert hard.starts_tried > 1
    assert hard.result.reduced_chi2 < 1.3 * 0.003**2


def test_short_spectra_get_every_start_and_a_wrong_circuit_is_flagged():
    """Below 20 points the runs tests cannot see a misfit, so every start is fitted; a circuit
    that misses an arc leaves systematic residuals, and the verdict says so (once: not also in the notes)."""
    f = np.logspace(5, -1, 12)
    truth = {"R0": 20.0, "R1": 3e3, "CPE1.Q": 2e-9, "CPE1.n": 0.9, "R2": 2e4, "CPE2.Q": 1e-6, "CPE2.n": 0.8}
    short = fit_circuit(simulate_spectrum("R0-p(R1,CPE1)-p(R2,CPE2)", truth, f, noise=0.005, seed=1),
                        "R0-p(R1,CPE1)-p(R2,CPE2)")
    assert short.starts_tried > 1
    s = simulate_spectrum("R0-p(R1,CPE1)-p(R2,CPE2)", truth, paper_frequencies(60), noise=0.002, seed=1)
    wrong = fit_circuit(s, "R0-p(R1,CPE1)")
    assert wrong.starts_tried > 1
    assert "systematic_residuals" in wrong.verdict.codes
    assert not any("systematic" in n for n in wrong.notes)
    right = fit_circuit(s, "R0-p(R1,CPE1)-p(R2,CPE2)")
    assert "systematic_residuals" not in right.verdict.codes


def test_an_undetermined_split_is_reported_as_a_correlated_pair():
    """Bulk arc above the window: R0 and R1 only in sum; the warning names the pair."""
    truth = {"R0": 5, "R1": 4e3, "CPE1.Q": 1e-11, "CPE1.n": 0.95, "CPE2.Q": 1e-6, "CPE2.n": 0.85}
    s = simulate_spectrum("R0-p(R1,CPE1)-CPE2", truth, paper_frequencies(), noise=0.003, seed=2)
    fit = fit_circuit(s, "R0-p(R1,CPE1)-CPE2")
    assert any("R0 and R1 are almost fully correlated" in w for w in fit.result.warnings)


def test_a_zero_impedance_point_is_named_not_a_nan_error():
    f = paper_frequencies(30)
    s = simulate_spectrum("R0-p(R1,C1)", {"R0": 10.0, "R1": 100.0, "C1": 1e-6}, f)
    z = s.impedance_ohm.copy()
    z[5] = 0
    with pytest.raises(FitError, match="exactly 0 at 1 point"):
        fit_circuit(Spectrum(frequency_Hz=f, impedance_ohm=z, source="zero.csv"), "R0-p(R1,C1)")


def test_effective_capacitance_is_the_numpy_computation_to_the_last_bit():
    """C_eff on Python's math (libm) against numpy's log and exp under errstate: no warning, the
    same double or as close as one ulp of the logarithm allows (numpy's own exp/log, vectorised
    on AVX-512 machines, may round the last bit differently from libm), and the edges (inf, NaN, overflow of exp, n ≤ 0)
    exactly what numpy gives."""
    import math
    import warnings

    def reference(R, Q, n):
        if n <= 0 or R <= 0 or Q <= 0:
            return float("nan")
        with np.errstate(over="ignore", invalid="ignore"):
            return float(np.exp((np.log(R) * (1 - n) + np.log(Q)) / n))

    rng = np.random.default_rng(7)
    cases = [(10 ** a, 10 ** b, n) for a, b, n in zip(rng.uniform(-5, 12, 20000), rng.uniform(-14, 0, 20000),
                                                       rng.uniform(0.3, 1.0, 20000))]
    edges = [0.0, 5e-324, 1e-300, 0.5, 1.0, 1e30, 1e300, math.inf, math.nan]
    cases += [(R, Q, n) for R in edges for Q in edges for n in (1e-300, 1e-3, 0.0010001, 0.9, 1.0, 999.9, 1e3, 1e308)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for R, Q, n in cases:
            a, b = effective_capacitance(R, Q, n), reference(R, Q, n)
            if math.isnan(b) or math.isinf(b) or b == 0.0:
                assert a == b or (math.isnan(a) and math.isnan(b)), (R, Q, n)
            else:  # an ulp of the exponent x = ln C becomes |x| ulps of C = exp(x)
                assert abs(a - b) <= 2 * math.ulp(b) * max(1.0, abs(math.log(b))), (R, Q, n)
