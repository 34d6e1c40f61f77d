"""``fit_starts(..., stacked=)``: the batch hands over the frequencies and impedances it already
stacked; the fits are those of stacking them again, and a chunk that has to be split (one
spectrum failing) still fits the others from the right rows."""

import numpy as np

from sselab.eis import simulate_spectrum
from sselab.eis.batch import _fit_items, _prepare_chunk, fit_circuit_batch
from sselab.eis.circuit import Circuit
from sselab.eis.multistart import fit_starts
from sselab.measurements import Spectrum

TEXT = "R0-p(R1,CPE1)-p(R2,CPE2)"
F = np.logspace(6, -1, 40)


def _spectra(n, seed=4):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        v = {"R0": 20 * rng.lognormal(0, .3), "R1": 2e3 * rng.lognormal(0, .3), "CPE1.Q": 2e-9, "CPE1.n": 0.9,
             "R2": 3e4 * rng.lognormal(0, .3), "CPE2.Q": 1e-6, "CPE2.n": 0.8}
        z = simulate_spectrum(TEXT, v, F).impedance_ohm
        out.append(Spectrum(frequency_Hz=F, impedance_ohm=z * (1 + 0.004 * rng.standard_normal(F.size))))
    return out


def _same(a, b):
    for key in ("values", "stderr"):
        for k in a["names"]:
            assert np.array_equal(a[key][k], b[key][k], equal_nan=True)
    assert np.array_equal(a["chi2"], b["chi2"]) and np.array_equal(a["starts_tried"], b["starts_tried"])


def test_stacked_inputs_give_the_same_fits():
    c = Circuit(TEXT)
    spectra = _spectra(12)
    items, failed, stacked = _prepare_chunk(list(range(12)), spectra, c, 4, {}, {}, False)
    assert not failed and stacked is not None and stacked[1].shape == (12, F.size)
    kw = dict(weighting="modulus", fixed={}, bounds=None, canonical=True, max_iter=300)
    sp, st = [it.spectrum for it in items], [it.starts for it in items]
    _same(fit_starts(c, sp, st, **kw).table(), fit_starts(c, sp, st, stacked=stacked, **kw).table())
    # split halves (as after a chunk-level failure) fit each spectrum against its own row
    whole = fit_starts(c, sp, st, **kw).table()
    parts = [e for _, e in _fit_items(items, c, "modulus", {}, None, True, 300, stacked)]
    half = _fit_items(items[5:], c, "modulus", {}, None, True, 300, tuple(a[5:] for a in stacked))
    for j, (_, (fits, pos)) in enumerate(half):
        assert fits.table()["chi2"][pos] == whole["chi2"][5 + j]
    assert len(parts) == 12


def test_no_stacked_inputs_when_a_spectrum_fails():
    c = Circuit(TEXT)
    spectra = _spectra(4)
    bad = Spectrum(frequency_Hz=F, impedance_ohm=np.where(np.arange(F.size) == 3, np.nan, 1.0 + 0j))
    items, failed, stacked = _prepare_chunk(list(range(5)), [*spectra, bad], c, 4, {}, {}, False)
    assert len(failed) == 1 and stacked is None
    t = fit_circuit_batch([*spectra, bad], TEXT).table()
    assert t["success"][:4].all() and not t["success"][4] and t["error"][4]
