"""Derived tasks around transport (sselab.study.analyses_paper): planned from cells, labels and geometry."""

import pytest
import yaml

from sselab.eis.simulate import paper_frequencies, simulate_spectrum
from sselab.io.writers import write_spectrum_csv
from sselab.store import open_store
from sselab.study.pipeline import run_study
from sselab.transport.stacks import LEAKY


def _study(tmp_path, geometry):
    r_b, r_el = 88.0, 1.0e6
    s = simulate_spectrum(LEAKY, {"R0": 1.0, "R1": r_b, "CPE1.Q": 5e-9 ** 0.85 / r_b ** 0.15, "CPE1.n": 0.85,
                                  "R_el": r_el, "CPE2.Q": 1e-6, "CPE2.n": 0.9}, paper_frequencies(), noise=0.003, seed=2)
    write_spectrum_csv(tmp_path / "au.csv", s)
    sample = {"name": "x", **({"thickness": "0.65 mm", "diameter": "13 mm"} if geometry else {})}
    manifest = {"study": "t", "samples": [sample],
                "measurements": [{"file": "au.csv", "technique": "eis", "cell": "Au|SE|Au", "sample": "x",
                                  "temperature": "100 °C"}],
                "analysis": {"eis": {"circuit": LEAKY, "bulk_element": "R1", "kramers_kronig": False}}}
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    summary = run_study(path, tmp_path / "r.sqlite")
    with open_store(tmp_path / "r.sqlite") as store:
        return summary, [a for a in store.analyses() if a["method"] == "stacks"]


def test_ion_blocking_spectrum_gives_a_stack_diagnosis_with_its_sigma_el(tmp_path):
    summary, stacks = _study(tmp_path, geometry=True)
    assert summary.n_failed == 0 and len(stacks) == 1
    res = stacks[0]["result"]
    # by hand: σ_el = l/(R_dc·A) with R_dc = R0 + R1 + R_el
    true = 0.065 / ((1.0 + 88.0 + 1.0e6) * 3.141592653589793 * 0.65 ** 2)
    assert res["conductor"] == "ionic"
    assert abs(res["sigma_el_S_per_cm"] - true) < 4 * res["sigma_el_stderr_S_per_cm"]


def test_without_geometry_no_stack_task_rather_than_a_failed_one(tmp_path):
    summary, stacks = _study(tmp_path, geometry=False)
    assert stacks == [] and summary.n_failed == 0
