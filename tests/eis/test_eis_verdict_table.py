"""The verdicts of many fits computed as one table (sselab.eis.verdicts.verdict_table /
prepare_verdicts, used by ``sselab eis fit`` on many files) equal the verdicts computed one fit
at a time: same status, reasons (codes, messages with their numbers, severities) and to_dict,
on good, warning and failed fits, mixed point counts and weightings in one batch."""

import math
from collections import Counter

import numpy as np
import pytest

from sselab.eis import simulate_spectrum
from sselab.eis.batch import fit_circuit_batch
from sselab.eis.kramers_kronig import NOISE_FLOOR, noise_shown
from sselab.eis.verdicts import (EDGE_POINTS, edge_misfit_z, fit_noise, noise_shown_rows, prepare_outputs, prepare_verdicts,
                                 verdict_table)
from sselab.eis.weights import weights

TWO_ARCS = "R0-p(R1,CPE1)-p(R2,CPE2)"


def _spectra(n_spectra: int, n_points: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    f = np.logspace(6, -1, n_points)
    out = []
    for k in range(n_spectra):
        r1, r2 = 10 ** rng.uniform(2, 4), 10 ** rng.uniform(2, 5)
        p = {"R0": float(10 ** rng.uniform(0, 2)), "R1": r1, "CPE1.Q": float(10 ** rng.uniform(-11, -9)),
             "CPE1.n": float(rng.uniform(0.8, 1.0)), "R2": r2, "CPE2.Q": float(10 ** rng.uniform(-7, -5)),
             "CPE2.n": float(rng.uniform(0.7, 0.95))}
        out.append(simulate_spectrum(TWO_ARCS, p, f, noise=float(rng.choice([0.0005, 0.003, 0.02])), seed=k))
    return out


def _fits() -> list:
    """Good fits (the right circuit), wrong-model fits (misfit, edge misfit, systematic
    residuals: warnings and failures), two point counts, three weightings."""
    fits = []
    for n_points, seed in ((60, 1), (37, 2)):
        spectra = _spectra(24, n_points, seed)
        for circuit, weighting in ((TWO_ARCS, "modulus"), ("R0-p(R1,CPE1)", "modulus"), (TWO_ARCS, "proportional"),
                                   ("R0-p(R1,C1)-p(R2,CPE2)", "unit")):
            batch = fit_circuit_batch(spectra, circuit, weighting=weighting)
            fits += [batch[i] for i in range(len(spectra))]
    return fits


@pytest.fixture(scope="module")
def fits():
    return _fits()


def test_the_batch_holds_every_kind_of_verdict(fits):
    statuses = Counter(f.verdict.status for f in fits)
    codes = Counter(c for f in fits for c in f.verdict.codes)
    assert statuses["ok"] >= 20 and statuses["warning"] >= 10 and statuses["failed"] >= 10, statuses
    for code in ("misfit", "edge_misfit", "systematic_residuals"):
        assert codes[code] >= 5, codes


def test_table_verdicts_equal_one_at_a_time(fits):
    single = [(f.verdict, f.to_dict(), f.verdict_for(["R0"]).to_dict()) for f in fits]
    again = _fits()  # fresh objects (nothing cached), the same fits
    prepare_outputs(again)  # evaluate_curves, then prepare_verdicts: what the CLI and the study call
    assert all("_verdict_row" in f.__dict__ and "_fitted" in f.__dict__ for f in again)
    table = [(f.verdict, f.to_dict(), f.verdict_for(["R0"]).to_dict()) for f in again]
    assert len(single) == len(table)
    for (v1, d1, r1), (v2, d2, r2) in zip(single, table):
        assert v1 == v2  # status, codes, messages (their numbers printed), severities
        assert d1.keys() == d2.keys()
        assert repr(d1) == repr(d2)  # every number, NaN included
        assert repr(r1) == repr(r2)


def test_table_numbers_against_their_definitions(fits):
    table = verdict_table(fits)
    for i, fit in enumerate(fits[::7]):
        k = 7 * i
        n = fit.n_points
        r = np.asarray(fit.result.residuals)
        wr, wi = weights(fit.impedance_ohm, fit.weighting)
        m = np.abs(fit.impedance_ohm)
        scale = float(np.median(np.concatenate([m * wr, m * wi])))
        shown = noise_shown(r[:n], r[n:])
        assert table["noise"][k] == max(shown, NOISE_FLOOR * scale) == fit_noise(fit)
        order = np.argsort(-fit.frequency_Hz)
        se = table["noise"][k] / math.sqrt(EDGE_POINTS)
        hi = max(abs(r[:n][order][:EDGE_POINTS].mean()), abs(r[n:][order][:EDGE_POINTS].mean())) / se
        lo = max(abs(r[:n][order][-EDGE_POINTS:].mean()), abs(r[n:][order][-EDGE_POINTS:].mean())) / se
        assert table["edge_hi"][k] == pytest.approx(hi, rel=1e-13)
        assert table["edge_lo"][k] == pytest.approx(lo, rel=1e-13)
        assert (table["edge_hi"][k], table["edge_lo"][k]) == edge_misfit_z(fit, table["noise"][k])
        assert table["z_max"][k] == m.max() and table["f_lo"][k] == fit.frequency_Hz.min()
    stated = verdict_table(fits[:5], noise=0.01)
    assert np.all(stated["noise"] > 0) and not np.allclose(stated["noise"], table["noise"][:5])


def test_noise_shown_rows_is_noise_shown():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((9, 41)), rng.standard_normal((9, 41))
    assert noise_shown_rows(a, b).tolist() == [noise_shown(x, y) for x, y in zip(a, b)]
    assert np.isnan(noise_shown_rows(a[:, :1], b[:, :1])).all()


def test_stated_noise_is_not_taken_from_the_table(fits):
    fit = fits[30]
    prepare_verdicts([fit])
    from sselab.eis.verdicts import circuit_fit_verdict

    tight = circuit_fit_verdict(fit, noise=1e-6)
    assert "misfit" in tight.codes and tight != circuit_fit_verdict(fit)


@pytest.mark.parametrize("weighting", ["modulus", "proportional", "unit"])
def test_weights_of_rows_are_each_rows_own(weighting):
    """weights() of a stack of spectra (S, N) gives every row what it gives that row alone: the
    proportional floor (1e-9 of the largest |Z|) is each spectrum's own, not the stack's."""
    from sselab.eis.weights import weights

    rng = np.random.default_rng(4)
    Z = (rng.normal(size=(3, 20)) + 1j * rng.normal(size=(3, 20))) * np.array([[1e-3], [1.0], [1e6]])
    Z[0, 4] = 1e-15 + 1j  # a real part below the floor of row 0 (and far below row 2's)
    wr, wi = weights(Z, weighting)
    for row, a, b in zip(Z, wr, wi):
        ra, rb = weights(row, weighting)
        np.testing.assert_array_equal(a, ra)
        np.testing.assert_array_equal(b, rb)
