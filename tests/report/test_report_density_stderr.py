"""The structure table's density standard error: the refinement's own (any crystal system), and
for results stored before it existed, the cubic hand formula σρ = 3ρ·σa/a only for cubic cells."""

from __future__ import annotations

import pytest

from sselab.report.tables import structure


def _row(phase: dict) -> dict:
    return {"method": "xrd_refine", "status": "ok", "sample": "s", "result": {"phases": [phase], "main_phase": "P"}}


def _sigma(phase: dict) -> float | None:
    v = structure([_row({"name": "P", **phase})])["density_stderr_g_per_cm3"].iloc[0]
    return None if v is None or v != v else float(v)


def test_stored_density_stderr_is_used_for_any_cell():
    tetragonal = {"a": 4.0, "b": 4.0, "c": 6.0, "alpha": 90.0, "beta": 90.0, "gamma": 90.0, "a_stderr": 1e-3,
                  "density_g_cm3": 5.0, "density_stderr_g_cm3": 0.0042}
    assert _sigma(tetragonal) == pytest.approx(0.0042)


def test_old_results_fall_back_to_the_cubic_formula_only_for_cubic_cells():
    cubic = {"a": 5.0, "b": 5.0, "c": 5.0, "alpha": 90.0, "beta": 90.0, "gamma": 90.0, "a_stderr": 2e-3,
             "density_g_cm3": 4.0}
    assert _sigma(cubic) == pytest.approx(3 * 4.0 * 2e-3 / 5.0)
    rhombohedral = {**cubic, "alpha": 60.0, "beta": 60.0, "gamma": 60.0}  # a = b = c, not cubic
    assert _sigma(rhombohedral) is None
    assert _sigma({**cubic, "c": 6.0}) is None
