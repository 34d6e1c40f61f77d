"""Verdicts of XPS fits, quantification and profiles on the cases of issue #14 (real files) and on
simulated spectra with known truth."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sselab.exceptions import AnalysisError
from sselab.io import read
from sselab.measurements import XPSRegion
from sselab.xps.fit import fit_region
from sselab.xps.lineshapes import peak
from sselab.xps.model import PeakModel
from sselab.xps.quantify import quantify, quantify_acquisition
from sselab.xps.verdicts import noise_shown


def _sim(seed=0, area=2e4, fwhm=1.2):
    rng = np.random.default_rng(seed)
    e = np.linspace(280, 292, 241)
    y = 200 + peak(e, "GL", 284.8, fwhm, area)
    return XPSRegion("C 1s", e, rng.poisson(y).astype(float))


def test_good_fit_is_ok():
    fit = fit_region(_sim(), PeakModel.from_positions("C 1s", [285.0], background="linear"))
    assert fit.verdict.status == "ok", fit.verdict.summary()
    assert fit.to_dict()["status"] == "ok"


def test_noise_shown_matches_poisson():
    rng = np.random.default_rng(3)
    y = rng.poisson(np.full(4000, 1e4)).astype(float)
    assert noise_shown(y, np.sqrt(y)) == pytest.approx(1.0, abs=0.05)


def test_missing_component_is_a_misfit():
    rng = np.random.default_rng(1)
    e = np.linspace(280, 292, 241)
    y = rng.poisson(200 + peak(e, "GL", 284.8, 1.2, 2e4) + peak(e, "GL", 288.5, 1.2, 1e4)).astype(float)
    fit = fit_region(XPSRegion("C 1s", e, y), PeakModel.from_positions("C 1s", [285.0], background="linear"))
    assert fit.verdict.status == "failed" and "misfit" in fit.verdict.codes


def test_vanished_component_flagged():
    fit = fit_region(_sim(seed=2), PeakModel.from_positions("C 1s", [284.8, 290.5], background="linear"))
    assert fit.component("C1s_290.5").area < 1e-3 * fit.component("C1s_284.8").area
    assert "component_vanished" in fit.verdict.codes


def test_fwhm_start_equal_to_default_bound_moves(shared_data):
    """--fwhm 4 was the default upper bound: the fit stalled there with 'success'."""
    acq, = read(shared_data / "xps" / "Pt4f.vms", kind="xps")
    fit = fit_region(acq.regions[0], PeakModel.from_positions("Pt 4f", [71.2], fwhm_eV=4.0, doublets=True,
                                                               shape="LA"))
    assert fit.components[0].fwhm_eV < 2.5          # Pt 4f7/2 of the metal is ~1.5 eV wide here
    assert "not_moved" not in fit.verdict.codes
    wide = PeakModel.from_positions("Pt 4f", [71.2], fwhm_eV=8.0)      # a satellite-wide start is accepted
    assert wide.components[0].fwhm_bounds_eV == (0.3, 16.0)


def test_sn3d_fit_with_a_spurious_component_fails(shared_data):
    acqs = read(shared_data / "xps" / "SnO2_10nm_1.pro", kind="xps")
    sn = [r for r in acqs[3].regions if r.name == "Sn 3d"][0]
    fit = fit_region(sn, PeakModel.from_positions("Sn 3d", [486.5, 487.5], doublets=True))
    assert fit.reduced_chi2 > 1e3 and fit.verdict.status == "failed"


def test_quantify_missing_rsf_names_element(shared_data):
    """Ti 2p (whole subshell) is not in the library (its two listings disagree): an error naming Ti."""
    acq, = read(shared_data / "xps" / "0-150W.vms", kind="xps")
    w = [r for r in acq.regions if r.name == "W 4f"][0]
    renamed = acq.with_meta(regions=tuple(acq.regions) + (XPSRegion("Ti 2p", w.binding_energy_eV, w.counts),))
    with pytest.raises(AnalysisError, match=r"Ti 2p \(element Ti\).*--rsf"):
        quantify_acquisition(renamed)
    q = quantify_acquisition(renamed, rsfs={"Ti 2p": 7.9})
    assert "Ti 2p" in q.to_dict()["atomic_percent"]


def test_negative_atomic_percent_fails():
    q = quantify({"C 1s": (1000.0, 10.0), "O 1s": (-50.0, 5.0)})
    assert q.verdict.status == "failed" and "negative_atomic_percent" in q.verdict.codes
    q = quantify({"C 1s": (1000.0, 10.0), "O 1s": (20.0, 10.0)})
    assert q.verdict.status == "warning" and "below_detection" in q.verdict.codes


def test_cli_quantify_negative_within_noise_is_not_detected(cli, shared_data):
    """0-150W.vms: the Ni 2p region is flat (~110 counts); its Shirley area is -260 and was printed
    as -0.25 at.% without a word.  Within 3 sigma of 0 (the background's end levels are noisy): a
    warning that Ni is not detected."""
    rc, out, err = cli("xps", "quantify", shared_data / "xps" / "0-150W.vms", "--json")
    d = json.loads(out)
    assert rc == 0 and d["status"] == "warning", err
    assert d["atomic_percent"]["Ni 2p"] == 0 and "below_detection" in [r["code"] for r in d["reasons"]]
    assert set(d["atomic_percent"]) == {"Ni 2p", "O 1s", "C 1s", "W 4f"}
    assert sum(d["atomic_percent"].values()) == pytest.approx(100, abs=1e-9)  # was 104 with Ni at -4 at.%


def test_cli_quantify_negative_beyond_noise_exit_3(cli, shared_data, tmp_path):
    from sselab.xps.simulate import write_vamas
    from sselab.measurements import XPSAcquisition

    e = np.linspace(280, 292, 121)
    c = 200 + peak(e, "GL", 284.8, 1.2, 2e4)
    dip = 5000 - 3000 * np.exp(-((e - 286) / 2) ** 2)    # a "peak" below its background
    acq = XPSAcquisition(source="sim", instrument="sselab", excitation_energy_eV=1486.6,
                         regions=(XPSRegion("C 1s", e, c), XPSRegion("O 1s", e + 246, dip)))
    path = write_vamas(acq, tmp_path / "neg.vms")
    rc, out, err = cli("xps", "quantify", path, "--background", "linear", "--json")
    d = json.loads(out)
    assert rc == 3 and "negative_atomic_percent" in [r["code"] for r in d["reasons"]], out


def test_component_table_percent_area():
    rng = np.random.default_rng(4)
    e = np.linspace(280, 292, 241)
    y = rng.poisson(200 + peak(e, "GL", 284.8, 1.2, 3e4) + peak(e, "GL", 288.5, 1.2, 1e4)).astype(float)
    d = fit_region(XPSRegion("C 1s", e, y), PeakModel.from_positions("C 1s", [285.0, 288.3],
                                                                       background="linear")).to_dict()
    pct = [c["percent_area"] for c in d["components"]]
    assert sum(pct) == pytest.approx(100.0) and pct[0] == pytest.approx(75.0, abs=1.5)   # truth 3:1
    assert d["components"][0]["shape_params"] == {"m": 0.3}
