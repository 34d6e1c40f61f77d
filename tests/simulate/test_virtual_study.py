"""The virtual study's files are readable instrument files and its manifest is valid."""

import json

import pytest

from sselab.io import read
from sselab.simulate.paper import PAPER
from sselab.simulate.virtual_study import TEMPERATURES_C, VOLTAGES_V, write_virtual_study
from sselab.study.manifest import load_manifest


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return write_virtual_study(tmp_path_factory.mktemp("virtual"), seed=3)


def test_manifest_valid_and_complete(study):
    s = load_manifest(study)
    tech = [m.technique for m in s.manifest.measurements]
    n_samples = 2
    assert tech.count("eis") == len(TEMPERATURES_C) * (n_samples + 1) + n_samples
    assert tech.count("dc") == len(VOLTAGES_V) * n_samples
    assert {"cycling", "cv"} <= set(tech)
    assert all(files for files in s.files)


def test_truth_follows_paper_and_is_physical(study):
    truth = json.loads((study.parent / "truth.json").read_text())
    assert truth["as-BM"]["sigma_ion_S_per_cm"]["100"] == pytest.approx(PAPER["sigma_ion_100C_S_per_cm"]["as-BM"])
    assert truth["as-BM"]["t_ion_dc"] == PAPER["t_ion"]["as-BM"]
    # the paper's σ's imply t_ion ≈ 1, not 0.077: the truth records both
    si, se = 5.54e-4, truth["as-BM"]["sigma_el_100C_S_per_cm"]
    assert truth["as-BM"]["t_ion_from_conductivities_100C"] == pytest.approx(si / (si + se))


def test_dc_file_gives_paper_t_ion_by_hand(study):
    ct = read(study.parent / "dc" / "as-BM_Au-SE-Au_0.5V_100C.csv", "transient")[0]
    I0, Is = ct.current_A[0], ct.current_A[-20:].mean()
    assert (I0 - Is) / I0 == pytest.approx(0.077, abs=0.003)


def test_spectrum_on_paper_grid(study):
    sp = read(study.parent / "eis" / "as-BM_eBE-stack_40C.mpt", "spectrum")[0]
    assert len(sp.frequency_Hz) == 100
    assert sp.frequency_Hz.max() == pytest.approx(1e6) and sp.frequency_Hz.min() == pytest.approx(0.1)
