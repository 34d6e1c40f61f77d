"""Stage convergence (sselab.xrd.stages): intermediate stages stop early, the last one converges
on its own peak windows, and where it ends does not depend on how the earlier stages ended."""

import numpy as np
import pytest

from sselab.xrd import rietveld as R
from sselab.xrd.library import mg3asn
from sselab.xrd.simulate import simulate_pattern
from sselab.xrd.stages import FINAL_FTOL, STAGE_FTOL, same_windows, stage_ftol


@pytest.fixture(scope="module")
def pattern():
    # size and strain broadening: stage 2 (cell and zero, peaks still at D = ∞) is a large-residual fit
    return simulate_pattern([mg3asn(4.2241)], np.arange(15, 90, 0.02), D_nm={"Mg3AsN": 30.0},
                            strain={"Mg3AsN": 1.5e-3}, zero_deg=0.02, seed=11)


def _staged(pattern, ftols):
    job = R.Refinement(pattern, [mg3asn()], n_background=6)
    fits = [job.run_stage(stage, ftol=f) for stage, f in zip(R.DEFAULT_STAGES, ftols)]
    return job.result(), fits


def test_stage_ftol_is_loose_only_for_stages_a_later_one_refines_again():
    stages = [("*.scale", "bkg*"), ("*.scale", "bkg*", "zero_deg"), ("*.scale", "W")]
    assert [stage_ftol(stages, i) for i in range(3)] == [STAGE_FTOL, FINAL_FTOL, FINAL_FTOL]
    assert [stage_ftol(R.DEFAULT_STAGES, i) for i in range(3)] == [STAGE_FTOL, STAGE_FTOL, FINAL_FTOL]


def test_result_does_not_depend_on_how_far_the_intermediate_stages_ran(pattern):
    loose, fits = _staged(pattern, [stage_ftol(R.DEFAULT_STAGES, i) for i in range(3)])
    tight, tight_fits = _staged(pattern, [FINAL_FTOL] * 3)
    assert fits[1].n_iter < 30  # it crawled to the 100-iteration cap at 1e-10
    assert fits[-1].success and tight_fits[-1].success
    a, b = loose.phases[0], tight.phases[0]
    for x, y, se in ((a.lattice["a"], b.lattice["a"], a.lattice_stderr["a"]),
                     (a.crystallite_size_nm, b.crystallite_size_nm, a.crystallite_size_stderr_nm),
                     (a.microstrain, b.microstrain, a.microstrain_stderr), (loose.zero_deg, tight.zero_deg, None)):
        assert abs(x - y) <= 0.01 * (se or loose.fit["zero_deg"].stderr), (x, y, se)
    assert loose.chi2 == pytest.approx(tight.chi2, rel=1e-5)
    # and both recover the simulation
    assert abs(a.lattice["a"] - 4.2241) < 3 * a.lattice_stderr["a"]
    assert abs(a.crystallite_size_nm - 30.0) < 3 * a.crystallite_size_stderr_nm


def test_last_stage_ends_on_the_windows_of_its_own_solution(pattern, monkeypatch):
    used = []
    fit = R.Refinement._fit
    monkeypatch.setattr(R.Refinement, "_fit", lambda self, win, *a, **k: used.append(win) or fit(self, win, *a, **k))
    job = R.Refinement(pattern, [mg3asn()], n_background=6)
    job.run()
    assert len(used) > 3  # the last stage was refitted on new windows at least once
    assert same_windows(used[-1], job.model.windows(job.params.value_array))


def test_unsettled_windows_are_named_in_the_verdict(pattern, monkeypatch):
    assert "windows_not_settled" not in {r.code for r in R.refine(pattern, [mg3asn()]).verdict.reasons}
    monkeypatch.setattr(R, "WINDOW_REFITS", 0)  # the last stage keeps the windows it started on
    res = R.refine(pattern, [mg3asn()])
    reasons = [r for r in res.verdict.reasons if r.code == "windows_not_settled"]
    assert len(reasons) == 1 and reasons[0].severity == "warning"
    assert res.verdict.status == "warning"
