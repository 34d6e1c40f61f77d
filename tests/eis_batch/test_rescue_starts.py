"""The rescue stage of the automatic starts: a spectrum still misfitted after its four starts
gets the further starts of a wider grid selection (sselab.eis.multistart.RESCUE_STARTS)."""

import numpy as np
import pytest

from sselab.eis import multistart
from sselab.eis.batch import fit_circuit_batch
from sselab.eis.circuit import Circuit
from sselab.eis.fit import fit_circuit
from sselab.measurements import Spectrum

TEXT = "R0-p(R1,CPE1)-p(R2,CPE2)"
#: a small arc (509 Ω) in front of a large one (52 kΩ): spectrum 1842 of benchmarks' random
#: two-arc set, where none of the four standard starts, polished, finds the small arc (7 of 8
#: noise seeds end ~14× the floor; the rescue brings 7 to it).  Of the 2,000 spectra of that set
#: two miss after four polished starts; before the starts were polished, spectra like
#: [13.55, 104, 4.028e-6, 0.8359, 9.153e4, 1.765e-6, 0.7953] did too
TRUTH = np.array([76.18, 508.98, 6.0102e-8, 0.8003, 5.1979e4, 1.0633e-8, 0.83106])
F = np.logspace(6, -1, 100)
NOISE = 0.004
FLOOR = 2 * F.size * NOISE**2


def _spectra(seeds):
    z0 = Circuit(TEXT).impedance(F, TRUTH)
    out = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        z = z0 + NOISE * np.abs(z0) * (rng.standard_normal(F.size) + 1j * rng.standard_normal(F.size))
        out.append(Spectrum(frequency_Hz=F, impedance_ohm=z))
    return out


def test_rescue_finds_the_small_arc(monkeypatch):
    spectra = _spectra(range(4))
    monkeypatch.setattr(multistart, "RESCUE_STARTS", 4)  # the rescue off: the four starts alone
    plain = [fit_circuit(s, TEXT) for s in spectra]
    monkeypatch.setattr(multistart, "RESCUE_STARTS", 16)
    rescued = [fit_circuit(s, TEXT) for s in spectra]
    assert sum(f.chi2 > 10 * FLOOR for f in plain) >= 2  # the case: four starts miss the small arc
    for f in rescued:
        assert f.chi2 < 1.5 * FLOOR
        assert abs(f["R1"].value / TRUTH[1] - 1) < 0.3 and abs(f["R2"].value / TRUTH[4] - 1) < 0.05
    assert all(r.chi2 <= p.chi2 * (1 + 1e-9) for r, p in zip(rescued, plain))
    assert any(f.starts_tried > 4 for f in rescued)


def test_rescue_in_a_batch_equals_single_fits():
    spectra = _spectra(range(4))
    batch = fit_circuit_batch(spectra, TEXT)
    for b, s in zip(batch, spectra):
        one = fit_circuit(s, TEXT)
        assert b.starts_tried == one.starts_tried
        np.testing.assert_allclose(b.chi2, one.chi2, rtol=1e-6)
        # the start reported is one of the starts tried
        assert b.initial.keys() == one.initial.keys()
    table = batch.table()
    np.testing.assert_allclose(table["chi2"], [f.chi2 for f in batch])
    assert list(table["starts_tried"]) == [f.starts_tried for f in batch]
