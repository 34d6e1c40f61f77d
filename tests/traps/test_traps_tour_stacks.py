"""`eis stacks` printed σ_ion "≈ 0.007589 ± ? S/cm" with no uncertainty (the pipeline alone added
one, by its own formula) and a σ_ion with a 640 % error as a bare number: the standard errors
now come from the diagnosis itself (one code path), and an undetermined σ is a warning."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sselab.eis import simulate_spectrum
from sselab.transport.stacks import diagnose_stacks

BULK = {"R0": 10.0, "R1": 1000.0, "CPE1.Q": 1e-9, "CPE1.n": 0.9, "CPE2.Q": 1e-6, "CPE2.n": 0.9}


def test_stack_sigmas_carry_standard_errors_that_cover_the_truth():
    f = np.logspace(6, -2, 60)
    k, R_el = 0.065 / 1.327, 5e3
    hits = 0
    for seed in range(8):
        s = simulate_spectrum("R0-p(R1,CPE1)-p(R2,CPE2)", {**BULK, "R2": R_el}, f, noise=0.003, seed=seed)
        d = diagnose_stacks(s, thickness_cm=0.065, area_cm2=1.327)
        assert d.conductor == "mixed"
        true_ion, true_el = k * (1 / 1010.0 - 1 / (1010.0 + R_el)), k / (1010.0 + R_el)
        assert 0 < d.sigma_ion_stderr_S_per_cm < 0.05 * d.sigma_ion_S_per_cm
        assert 0 < d.sigma_el_stderr_S_per_cm < 0.05 * d.sigma_el_S_per_cm and d.t_el_stderr > 0
        hits += abs(d.sigma_el_S_per_cm - true_el) < 3 * d.sigma_el_stderr_S_per_cm
        hits += abs(d.sigma_ion_S_per_cm - true_ion) < 3 * d.sigma_ion_stderr_S_per_cm
    assert hits >= 14  # 3σ intervals cover the truth (16 tries)


def test_real_non_blocking_spectrum_gives_an_undetermined_sigma(shared_data, cli):
    peis = shared_data / "biologic" / "peis.mpr"
    rc, out, err = cli("eis", "stacks", peis, "--thickness", "1 mm", "--area", "1 cm2", "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert d["sigma_ion_S_per_cm"] == pytest.approx(0.1 / d["R_bulk_ohm"])  # l/(A R) by hand, cm
    assert d["sigma_ion_stderr_S_per_cm"] > d["sigma_ion_S_per_cm"]
    assert "undetermined" in [r["code"] for r in d["reasons"]]
    rc, out, err = cli("eis", "stacks", peis, "--thickness", "1 mm", "--area", "1 cm2")
    assert "± ?" not in out and "σ_ion ≈ 0.01(5) S/cm" in out
