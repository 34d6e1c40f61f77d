"""DRT, Kramers–Kronig, Rietveld and XPS fits run their small linear algebra with BLAS on one
thread (the engine's :func:`~sselab.fitting.threads.single_threaded_blas`), and restore the
thread count afterwards."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from sselab.eis import kramers_kronig as kk_module
from sselab.eis.drt import solver as drt_solver
from sselab.measurements import Spectrum


def _blas_threads() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def _spectrum() -> Spectrum:
    f = np.logspace(6, -1, 50)
    return Spectrum(frequency_Hz=f, impedance_ohm=10 + 1000 / (1 + (2j * np.pi * f * 1e-6) ** 0.9))


@pytest.mark.parametrize("module, inner, call", [
    (drt_solver, "make_basis", lambda s: drt_solver.drt(s, method="gcv")),
    (kk_module, "_solve", lambda s: kk_module.kramers_kronig(s)),
])
def test_blas_is_single_threaded_inside_and_restored_after(monkeypatch, module, inner, call):
    before = _blas_threads()
    if before == {1}:
        pytest.skip("BLAS already runs one thread here (nothing to tell apart)")
    seen: list[set[int]] = []
    original = getattr(module, inner)

    def spy(*args, **kwargs):
        seen.append(_blas_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(module, inner, spy)
    call(_spectrum())
    assert seen and all(s == {1} for s in seen)
    assert _blas_threads() == before
