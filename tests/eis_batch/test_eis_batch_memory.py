"""Working memory of fit_circuit_batch is bounded by chunk_size (tracemalloc, scaled down).

The per-spectrum peak measured here, times the default chunk of 2048 spectra, plus the
retained results and inputs of 100,000 spectra × 100 points, must stay under 2 GB.
"""

from __future__ import annotations

import tracemalloc

import numpy as np

from sselab.eis.batch import fit_circuit_batch
from sselab.eis.simulate import paper_frequencies, simulate_spectrum
from sselab.simulate.paper import EBE_STACK_CIRCUIT, MaterialModel


def _spectra(n):
    v = MaterialModel().ebe_stack_values(353.15)
    return [simulate_spectrum(EBE_STACK_CIRCUIT, v, paper_frequencies(), noise=0.005, seed=i) for i in range(n)]


def _peak(spectra, chunk):
    tracemalloc.clear_traces()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    out = fit_circuit_batch(spectra, EBE_STACK_CIRCUIT, chunk_size=chunk)
    cur, peak = tracemalloc.get_traced_memory()
    return out, peak - base, cur - base


def test_peak_memory_is_bounded_by_the_chunk():
    spectra = _spectra(24)
    fit_circuit_batch(spectra[:1], EBE_STACK_CIRCUIT)  # imports and caches outside the measurement
    tracemalloc.start()
    try:
        _, peak_8, _ = _peak(spectra[:8], 8)
        out, peak_24_in_3, kept = _peak(spectra, 8)  # 3 chunks of 8: same peak as one chunk of 8
        _, peak_24, _ = _peak(spectra, 24)
    finally:
        tracemalloc.stop()
    assert all(r.success for r in out)
    # chunking bounds the working set: three chunks of 8 peak like one chunk of 8 plus kept results
    assert peak_24_in_3 < peak_8 + kept + 1e6
    assert peak_24 > 1.5 * peak_8  # and it does grow with the chunk
    per_spectrum_work = (peak_24 - peak_8) / 16
    per_spectrum_kept = kept / 24
    inputs = 100 * (8 + 16)  # frequency + complex impedance per spectrum
    total = 2048 * per_spectrum_work + 100_000 * (per_spectrum_kept + inputs)
    assert per_spectrum_work < 1e6 and per_spectrum_kept < 20e3
    assert total < 2e9, f"extrapolated peak {total / 1e9:.2f} GB"
