"""Linear KK test: valid spectra pass, drifting spectra fail, on simulated and real data."""

import numpy as np

from sselab.eis import Circuit, paper_frequencies, simulate_spectrum
from sselab.eis.kramers_kronig import kramers_kronig
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
    assert kk.max_residual > kk.threshold


def test_result_dict_keys():
    s = simulate_spectrum("R0-p(R1,C1)", {"R0": 1, "R1": 10, "C1": 1e-5}, paper_frequencies(40))
    d = kramers_kronig(s).to_dict()
    assert {"passed", "max_residual", "rms_residual_percent", "n_elements", "threshold"} <= set(d)


def test_real_spectrum_passes(shared_data):
    from sselab.io import read

    s = read(shared_data / "eis" / "exampleData.csv", "spectrum")[0]
    kk = kramers_kronig(s)
    assert kk.passed and kk.max_residual < 0.01
