"""Williamson–Hall of the main phase alone: the other phases' refined peaks subtracted before the
peaks are fitted (issue #16: a t-ZrO2 reflection under Mg3AsN (110) widened it)."""

import numpy as np
import pytest

from sselab.exceptions import AnalysisError
from sselab.xrd.library import mg3asn, zro2_tetragonal
from sselab.xrd.rietveld import refine
from sselab.xrd.simulate import simulate_pattern
from sselab.xrd.williamson_hall import williamson_hall


@pytest.fixture(scope="module")
def two_phase():
    phases = [mg3asn(), zro2_tetragonal()]
    pat = simulate_pattern(phases, np.arange(15, 110, 0.02), weight_fractions={"Mg3AsN": 0.75, "ZrO2-t": 0.25},
                           D_nm={"Mg3AsN": 14.1, "ZrO2-t": 20.0}, strain={"Mg3AsN": 6.67e-3, "ZrO2-t": 2e-3},
                           peak_counts=2e4, seed=3)
    res = refine(pat, phases)
    k = np.argsort(res.two_theta_deg)
    others = np.interp(pat.two_theta_deg, res.two_theta_deg[k], res.y_phases[1:].sum(axis=0)[k], left=0.0, right=0.0)
    return pat, phases, others


def test_subtracting_the_other_phase_recovers_size_and_strain(two_phase):
    pat, phases, others = two_phase
    alone = williamson_hall(pat, phase=phases[0], others_counts=others)
    assert abs(alone.D_nm - 14.1) < 3 * alone.D_stderr_nm + 0.5, alone
    assert abs(alone.strain - 6.67e-3) < 3 * alone.strain_stderr + 2e-4, alone
    mixed = williamson_hall(pat, phase=phases[0])
    # the overlapped peaks bias the plain analysis more than the subtracted one
    assert abs(alone.D_nm - 14.1) <= abs(mixed.D_nm - 14.1) + alone.D_stderr_nm


def test_others_counts_must_match_the_pattern(two_phase):
    pat, phases, others = two_phase
    with pytest.raises(AnalysisError, match="one value per point"):
        williamson_hall(pat, phase=phases[0], others_counts=others[:-1])
