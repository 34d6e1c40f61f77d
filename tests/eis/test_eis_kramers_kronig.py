"""Linear KK test: valid spectra pass, drifting spectra fail, on simulated and real data."""

import numpy as np

from sselab.eis import Circuit, paper_frequencies, simulate_spectrum
from sselab.eis.kramers_kronig import T_CRITICAL, kramers_kronig
from sselab.measurements import Spectrum

CIRCUIT = "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3"
TRUTH = {"R0": 5, "R1": 1e4, "CPE1.Q": 1e-10, "CPE1.n": 0.9, "R2": 3e4, "CPE2.Q": 1e-8, "CPE2.n": 0.8,
         "CPE3.Q": 1e-6, "CPE3.n": 0.8}


def test_valid_spectrum_passes_with_noise_level_residuals():
    s = simulate_spectrum(CIRCUIT, TRUTH, paper_frequencies(), noise=0.002, seed=4)
    kk = kramers_kronig(s)
    assert kk.passed
    assert kk.rms_residual < 0.004  # the 0.2 % noise, not more
    assert 2 <= kk.n_elements < 100


def test_drifting_spectrum_fails():
    # the cell's resistance grows by 30 % while the sweep runs from high to low frequency
    f = paper_frequencies()
    c = Circuit(CIRCUIT)
    drift = np.linspace(1.0, 1.3, f.size)
    z = np.array([c.impedance(f[i : i + 1], {**TRUTH, "R2": TRUTH["R2"] * drift[i]})[0] for i in range(f.size)])
    kk = kramers_kronig(Spectrum(frequency_Hz=f, impedance_ohm=z, source="drift"))
    assert not kk.passed
    assert kk.statistic > T_CRITICAL
    assert kk.verdict.status == "failed" and kk.verdict.codes == ("kk_invalid",)
    assert kk.to_dict()["status"] == "failed"


def test_result_dict_keys():
    s = simulate_spectrum("R0-p(R1,C1)", {"R0": 1, "R1": 10, "C1": 1e-5}, paper_frequencies(40))
    d = kramers_kronig(s).to_dict()
    assert {"passed", "max_residual", "rms_residual_percent", "n_elements", "threshold"} <= set(d)


def test_real_spectrum_passes(shared_data):
    from sselab.io import read

    s = read(shared_data / "eis" / "exampleData.csv", "spectrum")[0]
    kk = kramers_kronig(s)
    assert kk.passed and kk.max_residual < 0.01
    assert kk.to_dict()["status"] == "ok"


def test_the_demo_studys_clean_spectra_all_pass(tmp_path):
    from sselab.io import read
    from sselab.simulate.virtual_study import write_virtual_study

    root = write_virtual_study(tmp_path / "study").parent
    files = sorted((root / "eis").glob("*"))
    assert len(files) >= 12
    for path in files:
        kk = kramers_kronig(read(path, "spectrum")[0])
        assert kk.passed, (path.name, kk.statistic)
        assert 0.002 < kk.noise < 0.004  # the 0.3 % the files were simulated with


def test_false_alarm_rate_of_clean_spectra_and_power_on_drift():
    rng = np.random.default_rng(11)
    f = paper_frequencies(60)
    passed = 0
    for i in range(40):
        t = {**TRUTH, "R1": TRUTH["R1"] * 10 ** rng.uniform(-1, 1), "CPE2.n": rng.uniform(0.7, 0.95)}
        passed += kramers_kronig(simulate_spectrum(CIRCUIT, t, f, noise=0.003, seed=100 + i)).passed
    assert passed == 40
    c = Circuit(CIRCUIT)
    failed = 0
    for i in range(20):  # R2 grows by 30 % during the sweep, 0.1 % noise
        drift = np.linspace(1.0, 1.3, f.size)
        z = np.array([c.impedance(f[k:k + 1], {**TRUTH, "R2": TRUTH["R2"] * drift[k]})[0] for k in range(f.size)])
        e = np.random.default_rng(i).standard_normal((2, f.size))
        z = z + 0.001 * np.abs(z) * (e[0] + 1j * e[1])
        failed += not kramers_kronig(Spectrum(frequency_Hz=f, impedance_ohm=z)).passed
    assert failed >= 18


def test_a_stated_noise_is_used_instead_of_the_estimate():
    s = simulate_spectrum(CIRCUIT, TRUTH, paper_frequencies(), noise=0.01, seed=2)
    assert kramers_kronig(s).passed
    kk = kramers_kronig(s, noise=0.002)  # the user claims 0.2 %: 1 % residuals are then too large
    assert not kk.passed and kk.noise_stated and kk.statistic > 3
