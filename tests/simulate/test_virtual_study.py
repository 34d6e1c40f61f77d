"""The virtual study's files are readable instrument files and its manifest is valid."""

import json
import math

import numpy as np
import pytest

from sselab.io import read
from sselab.simulate.paper import PAPER
from sselab.simulate.virtual_study import TEMPERATURES_C, VOLTAGES_V, write_virtual_study
from sselab.study.manifest import load_manifest
from sselab.xps.simulate import SPUTTER_MIN
from sselab.xrd.rietveld import instrument_for


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return write_virtual_study(tmp_path_factory.mktemp("virtual"), seed=3)


def test_manifest_valid_and_complete(study):
    s = load_manifest(study)
    extra = ("stacks/", "hot-pressed/", "composite/")  # sselab.simulate.paper_study's files
    core = [m for m in s.manifest.measurements if not str(m.file).startswith(extra)]
    tech = [m.technique for m in core]
    n_samples = 2
    assert tech.count("eis") == len(TEMPERATURES_C) * (n_samples + 1) + n_samples
    assert tech.count("dc") == len(VOLTAGES_V) * n_samples
    assert {"cycling", "cv"} <= set(tech)
    assert tech.count("xrd") == 5 and tech.count("xps") == 2  # as-BM and 600C-12h (Fig. S6)
    paper = [(m.technique, m.cell, m.sample) for m in s.manifest.measurements if str(m.file).startswith(extra)]
    # Fig. 3b + 4d (4 Au|SE|Au, 1 Mg|SE|Mg), S9 (4 eBE stacks), 6f (4), S11 (4), Bruce–Vincent (2 spectra + 1 hold)
    assert sum(t == "eis" for t, _, _ in paper) == 5 + 4 + 4 + 4 + 2
    assert sum(t == "dc" for t, _, _ in paper) == 3 + 3 + 1  # hot-pressed holds ×2 samples, the BV hold
    assert sorted(t for t, _, _ in paper if t == "cycling") == ["cycling", "cycling"]  # GCD, CCD
    ccd = [m for m in s.manifest.measurements if m.label == "CCD"]
    assert len(ccd) == 1 and ccd[0].settings["protocol"] == "stepped"
    assert all(files for files in s.files)
    xrd = {m.sample: m.settings["phases"] for m in s.manifest.measurements if m.technique == "xrd"}
    assert xrd["as-BM"] == ["Mg3AsN", "ZrO2-t", "Mg3N2"] and xrd["800C-12h"][0] == "Mg3As2"
    assert s.manifest.analysis.xps.model["N 1s"][1].position_eV == 396.4


def test_without_structure(tmp_path):
    s = load_manifest(write_virtual_study(tmp_path, seed=0, structure=False))
    assert not {"xrd", "xps"} & {m.technique for m in s.manifest.measurements}


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


def test_xrd_file_is_two_column_cu_ka_on_the_stated_grid(study):
    path = study.parent / "xrd" / "as-BM_xrd.xy"
    first = next(line for line in path.read_text().splitlines() if not line.startswith("#"))
    assert len(first.split()) == 2
    pat = read(path, "diffraction")[0]
    assert pat.two_theta_deg[0] == pytest.approx(5.0) and pat.two_theta_deg[-1] == pytest.approx(90.0)
    assert np.allclose(np.diff(pat.two_theta_deg), 0.02, atol=1e-6) and pat.two_theta_deg.size == 4251
    assert instrument_for(pat, None).wavelengths_A == pytest.approx((1.540598, 1.544426))
    assert np.all(pat.intensity == np.round(pat.intensity)) and pat.intensity.min() > 0  # counts over a background


def test_xrd_peak_where_braggs_law_puts_it(study):
    """The strongest as-BM line is Mg3AsN (111): 2θ = 2 asin(λ√3 / 2a) (+ the zero shift)."""
    truth = json.loads((study.parent / "truth.json").read_text())["as-BM"]["xrd"]
    pat = read(study.parent / "xrd" / "as-BM_xrd.xy", "diffraction")[0]
    a = truth["phases"]["Mg3AsN"]["a_A"]
    expected = 2 * math.degrees(math.asin(1.540598 * math.sqrt(3) / (2 * a))) + truth["zero_deg"]
    sel = (pat.two_theta_deg > 34) & (pat.two_theta_deg < 40)
    smooth = np.convolve(pat.intensity[sel], np.ones(9) / 9, mode="same")
    assert pat.two_theta_deg[sel][np.argmax(smooth)] == pytest.approx(expected, abs=0.06)


def test_xrd_truth_follows_table_2_and_mass_balance(study):
    truth = json.loads((study.parent / "truth.json").read_text())
    for sample, paper in PAPER["xrd"].items():
        main = truth[sample]["xrd"]["phases"]["Mg3AsN"]
        assert (main["a_A"], main["D_nm"], main["strain"]) == (paper["a_A"], paper["D_nm"], paper["strain"])
        # X-ray density by hand: ρ = M / (N_A a³), M = 161.84 g/mol (one formula unit per cell)
        assert main["density_g_cm3"] == pytest.approx(161.84 / (6.02214076e23 * (paper["a_A"] * 1e-8) ** 3), rel=2e-4)
        assert main["density_g_cm3"] == pytest.approx(paper["density_g_cm3"], abs=0.005)
    wf = {k: v["weight_fraction"] for k, v in truth["800C-12h"]["xrd"]["phases"].items()}
    m_as2, m_n2 = 3 * 24.305 + 2 * 74.9216, 3 * 24.305 + 2 * 14.007  # 2 Mg3AsN -> Mg3As2 + Mg3N2
    assert wf["Mg3As2"] == pytest.approx(m_as2 / (m_as2 + m_n2), abs=1e-3) and sum(wf.values()) == pytest.approx(1)


def test_xps_profile_is_one_vamas_file_with_every_step(study):
    acq = read(study.parent / "xps" / "as-BM_depth-profile.vms", "xps")[0]
    assert len(acq.regions) == 4 * len(SPUTTER_MIN)
    assert sorted({r.sputter_time_s for r in acq.regions}) == [60.0 * m for m in SPUTTER_MIN]
    truth = json.loads((study.parent / "truth.json").read_text())["as-BM"]["xps"]
    n, as_ = truth["element_atomic_percent"]["N 1s"], truth["element_atomic_percent"]["As 3d"]
    assert n[0] / as_[0] < 0.6 < 0.95 < n[-1] / as_[-1]  # N-deficient surface, stoichiometric bulk


def test_membrane_eds_map_in_the_manifest(study):
    # Fig. 6e: the membrane's spectrum image is a measurement (technique eds, analysis maps, 2
    # bands, the seven mapped elements) and a readable Ripple file of the stated shape
    from sselab.eds.spectrum import EDSMap, read_eds

    s = load_manifest(study)
    (m,) = [m for m in s.manifest.measurements if str(m.file).endswith("EDS-map.rpl")]
    assert m.technique == "eds" and m.sample == "SE-polymer"
    assert m.settings["analysis"] == "maps" and m.settings["maps"]["bands"] == 2
    assert set(m.settings["elements"]) == {"Mg", "As", "N", "C", "O", "F", "S"}
    truth = json.loads((study.parent / "truth.json").read_text(encoding="utf-8"))["microscopy"]["eds_membrane_map"]
    (mp,) = read_eds(study.parent / truth["file"])
    assert isinstance(mp, EDSMap) and mp.cube.shape[:2] == (64, 64)
    assert mp.pixel_size_m[0] * 1e6 == pytest.approx(125 / 64)
    top, bot = truth["region_atomic_percent"]["1"], truth["region_atomic_percent"]["2"]
    assert bot["Mg"] > top["Mg"] and bot["F"] < top["F"]  # AP slightly concentrated at the bottom
    assert truth["ap_bottom_top"] == pytest.approx(1.5, abs=0.15)
