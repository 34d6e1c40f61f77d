"""Batched decay fits (fit_decays, prefitted): the same fits as fit_decay one record at a time."""

import numpy as np
import pytest

from sselab.dc.decay import fit_decay, fit_decays, prefitted


def _records(n=12, seed=3):
    rng = np.random.default_rng(seed)
    out, truth = [], []
    for k in range(n):
        t = np.arange(0.0, 9001.0, 15.0)
        tau, a, Is = rng.uniform(200, 1500), rng.uniform(2, 8), rng.uniform(0.5, 2)
        i = Is + a * np.exp(-t / tau)
        if k % 3 == 1:  # a second, fast decay
            i = i + 0.5 * a * np.exp(-t / (0.1 * tau))
        if k % 4 == 3:  # a shorter record: batched apart from the rest
            t, i = t[:300], i[:300]
        i = 1e-7 * i * (1 + 0.002 * rng.standard_normal(t.size))
        out.append((t, i))
        truth.append(1e-7 * Is)
    return out, truth


def test_batched_fits_equal_single_fits_and_recover_is():
    records, truth = _records()
    many = fit_decays(records)
    for (t, i), got, Is in zip(records, many, truth):
        one = fit_decay(t, i)
        assert got.model == one.model and got.warnings == one.warnings
        for key in ("Is_A", "I_at_0_A", "Is_stderr_A", "I_at_0_stderr_A", "rms_residual_A", "bic"):
            assert getattr(got, key) == pytest.approx(getattr(one, key), rel=1e-9, abs=0)
        if t[-1] > 5000:  # long records: Is within a few standard errors of the simulated value
            assert abs(got.Is_A - Is) < 5 * got.Is_stderr_A + 1e-3 * Is


def test_prefitted_serves_the_batch_and_forgets_it():
    records, _ = _records(4)
    with prefitted(records):
        inside = fit_decay(*records[0])
    assert inside.Is_A == pytest.approx(fit_decay(*records[0]).Is_A, rel=1e-9)
    from sselab.dc import decay

    assert not decay._PREFITTED


def test_too_short_record_fails_in_place():
    records, _ = _records(2)
    out = fit_decays([records[0], (np.arange(4.0), np.ones(4))])
    assert out[0].Is_A > 0 and isinstance(out[1], Exception)
