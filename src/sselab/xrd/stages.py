"""When a refinement stage has converged (:meth:`sselab.xrd.rietveld.Refinement.run_stage`).

Stages are nested: each frees the previous one's parameters and more, and only the last one's
minimum is the result.  A stage that a later one refines again (:func:`stage_ftol`) stops at
:data:`STAGE_FTOL`; the last stops at the engine's :data:`FINAL_FTOL` and is refitted on the
peak windows of its own solution (:data:`WINDOW_CHI2_TOL`), so that where it ends does not
depend on the path there: on the demo's five patterns the results of the staged path and of
every stage run to 1e-10 agree to 2e-4 standard errors (benchmarks/RESULTS.md, issue #20).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

#: relative cost reduction of an accepted step below which a stage that is not the last one stops.
#: Such a stage only provides the start of the next, which refines all its parameters again
#: and converges to the engine's tight rule (ftol 1e-10).  Stage 2 of :data:`~sselab.xrd.rietveld.DEFAULT_STAGES`
#: (cell and zero with the peaks still as narrow as the instrument: D = ∞ until stage 3) is a
#: large-residual problem (reduced χ² ~ 100 on the demo's patterns): the Gauss–Newton model
#: JᵀJ overestimates its curvature along the step, every step gains twice what was predicted
#: (ρ ≈ 2 with the damping at its floor) and the descent is linear; at 1e-10 it ran into the
#: 100-iteration cap on every pattern (271 iterations to converge on one), with the final
#: results the same to ~1e-3 standard errors after 10 (benchmarks/RESULTS.md).
STAGE_FTOL = 1e-3
#: the engine's default, used for the last stage
FINAL_FTOL = 1e-10
#: The last stage is refitted on the peak windows of its own solution (each peak's Lorentzian
#: tail is cut at ±25 FWHM as they were when the fit started, so a fit started elsewhere
#: converged to a slightly different model: up to 0.1 standard errors): until the windows
#: no longer change or a refit moves χ² by less than this (the window edges of weak peaks
#: can flip by a point), at most :data:`WINDOW_REFITS` times.
WINDOW_CHI2_TOL = 1e-2
WINDOW_REFITS = 5
#: start of the refinement's warning (verdict reason ``windows_not_settled``) when they did not settle
WINDOWS_UNSETTLED = "peak windows not settled:"


def stage_ftol(stages: Sequence[Sequence[str]], i: int) -> float:
    """:data:`STAGE_FTOL` for stage ``i`` when a later stage frees every pattern it frees
    (its result is only a start), else :data:`FINAL_FTOL`."""
    return STAGE_FTOL if any(set(stages[i]) <= set(s) for s in stages[i + 1:]) else FINAL_FTOL


def same_windows(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> bool:
    """Whether two (peak, point) window sets (:meth:`sselab.xrd.model.PowderModel.windows`) are equal."""
    return a[0].size == b[0].size and np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
