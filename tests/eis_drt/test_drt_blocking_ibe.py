"""DRT blocking-tail detection on the demo's ion-blocking iBE|SE|iBE spectrum (a tail bent by
electronic leakage), and messages in command-line words."""

import numpy as np
import pytest

from sselab.eis import paper_frequencies, simulate_spectrum
from sselab.eis.drt.solver import blocking_exponent, drt
from sselab.exceptions import AnalysisError
from sselab.simulate.paper import MaterialModel
from sselab.transport.geometry import SampleGeometry
from sselab.transport.simulate import simulate_mixed_spectrum


def _ibe():
    m, T = MaterialModel(), 373.15
    g = SampleGeometry(m.thickness_cm / 100, m.area_cm2 / 1e4)
    # as the demo's virtual study writes it (0.3 % noise); the interface CPE has n = 0.85
    return simulate_mixed_spectrum(m.sigma_ion_S_per_cm(T), m.sigma_el_S_per_cm(T), g, paper_frequencies(),
                                   noise=0.003, seed=50, temperature_K=T)


def test_bent_blocking_tail_is_detected_with_the_interface_exponent():
    s = _ibe()
    n = blocking_exponent(s.frequency_Hz, s.impedance_ohm)
    assert n is not None and n == pytest.approx(0.85, abs=0.04)
    r = drt(s, blocking=True)  # refused before: "blocking=True but the spectrum shows no ... tail"
    assert r.blocking_n == pytest.approx(n) and r.blocking_Q > 0
    assert any("electronic leakage" in w for w in drt(s).warnings)


def test_slow_arc_is_still_not_a_tail_and_the_refusal_speaks_cli():
    f = np.logspace(6, -1, 60)
    s = simulate_spectrum("R0-p(R1,CPE1)-p(R2,CPE2)", {"R0": 10, "R1": 100, "CPE1.Q": 1e-7, "CPE1.n": 0.9,
                                                        "R2": 1e4, "CPE2.Q": 3e-4, "CPE2.n": 0.9}, f)
    assert blocking_exponent(s.frequency_Hz, s.impedance_ohm) is None
    with pytest.raises(AnalysisError) as e:
        drt(s, blocking=True)
    assert "--blocking yes" in str(e.value) and "blocking=True" not in str(e.value)
