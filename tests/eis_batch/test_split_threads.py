"""A batched call split over Python threads (sselab.eis.kernel.split_threads, sselab.eis.batch._split)
fits every spectrum as the unsplit call does: the same values, χ², engines and failures, each
part's solves on the call's engine (the context of kernel.batch reaches the threads)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from test_kernel import _noisy  # noqa: E402  (this folder is on sys.path: rootdir tests)

from sselab.eis import batch as batch_module  # noqa: E402
from sselab.eis import kernel  # noqa: E402
from sselab.eis.batch import FitFailure, fit_circuit_batch  # noqa: E402
from sselab.measurements import Spectrum  # noqa: E402

CIRCUIT = "R0-p(R1,CPE1)-p(R2,CPE2)"
SPLIT = batch_module._split


def _table(spectra, monkeypatch, threads: str, parts: list[int]):
    monkeypatch.setenv("SSELAB_FIT_THREADS", threads)
    def spy(fit_part, chunk, n_parts):
        parts.append(n_parts)
        return SPLIT(fit_part, chunk, n_parts)

    monkeypatch.setattr(batch_module, "_split", spy)
    out = fit_circuit_batch(spectra, CIRCUIT)
    return out, out.table()


def _same(a, b) -> None:
    assert a["names"] == b["names"] and a["engine"] == b["engine"] and a["error"] == b["error"]
    assert np.array_equal(a["chi2"], b["chi2"], equal_nan=True)
    for key in ("values", "stderr"):
        for name in a["names"]:
            assert np.array_equal(a[key][name], b[key][name], equal_nan=True), (key, name)


def test_a_split_call_fits_every_spectrum_as_the_unsplit_one(monkeypatch):
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numba")
    spectra = _noisy(CIRCUIT, 2 * kernel.PARALLEL_MIN_ROWS + 7, 11)
    bad = Spectrum(frequency_Hz=spectra[0].frequency_Hz, impedance_ohm=np.full(spectra[0].frequency_Hz.size, np.nan + 0j))
    spectra.insert(70, bad)  # a spectrum that cannot be fitted, in the first part
    one_parts, two_parts = [], []
    one, t1 = _table(spectra, monkeypatch, "1", one_parts)
    two, t2 = _table(spectra, monkeypatch, "2", two_parts)
    assert one_parts == [] and two_parts == [2]
    _same(t1, t2)
    assert isinstance(two[70], FitFailure) and two[70] == one[70]
    assert set(t2["engine"]) - {""} == {"numba"}
    assert two[5].values == one[5].values and two[5].verdict == one[5].verdict


def test_the_call_engine_choice_reaches_every_part(monkeypatch):
    """Under ``auto`` a call of at least AUTO_MIN_ROWS spectra fits compiled, its parts too, though
    each part is smaller than that (their solves alone would be numpy's)."""
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "auto")
    monkeypatch.setattr(kernel, "AUTO_MIN_ROWS", 150)
    spectra = _noisy(CIRCUIT, 160, 12)
    parts: list[int] = []
    _, t2 = _table(spectra, monkeypatch, "2", parts)
    assert parts == [2] and set(t2["engine"]) == {"numba"}
    _, t1 = _table(spectra, monkeypatch, "1", parts)
    _same(t1, t2)


def test_no_split_where_the_call_is_not_compiled_or_pooled(monkeypatch):
    monkeypatch.setenv("SSELAB_FIT_THREADS", "2")
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numpy")
    assert kernel.split_threads(1000) == 1
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numba")
    assert kernel.split_threads(kernel.PARALLEL_MIN_ROWS - 1) == 1  # too few for the pool
    assert kernel.split_threads(2 * kernel.PARALLEL_MIN_ROWS) == 2
    assert kernel.split_threads(100 * kernel.PARALLEL_MIN_ROWS) == 2  # SSELAB_FIT_THREADS's count
    with kernel.serial():
        assert kernel.split_threads(1000) == 1 and not kernel.parallel_for(1000)
    monkeypatch.setenv("SSELAB_FIT_THREADS", "1")
    assert kernel.split_threads(1000) == 1
