"""Line shapes, backgrounds, peak models, fitting, quantification, profile, CLI."""

import json

import numpy as np
import pytest

from sselab.exceptions import ParameterError
from sselab.measurements import XPSRegion
from sselab.xps.backgrounds import shirley, tougaard, linear
from sselab.xps.fit import fit_region, fit_spectra
from sselab.xps.lineshapes import peak, unit_shape
from sselab.xps.model import Component, Doublet, Link, PeakModel
from sselab.xps.quantify import quantify


def test_gl30_hand_values():
    # GL(m) = exp(-4 ln2 (1-m) u^2) / (1 + 4 m u^2), u = (x-E)/F, m = 0.3
    for u, expected in [(0.0, 1.0), (0.5, np.exp(-0.7 * np.log(2)) / 1.3), (1.0, np.exp(-2.8 * np.log(2)) / 2.2)]:
        assert unit_shape("GL", np.array([u]), m=0.3)[0] == pytest.approx(expected, rel=1e-12)
    assert unit_shape("SGL", np.array([0.5]), m=0.3)[0] == pytest.approx(0.7 * 0.5 + 0.3 * 0.5)
    e = np.linspace(-80, 80, 400001)
    for name, kw in [("GL", {"m": 0.3}), ("V", {"gamma_fraction": 0.4}), ("LA", {"alpha": 1.1, "beta": 2.5})]:
        assert np.trapezoid(peak(e, name, 1.0, 1.3, 7.0, **kw), e) == pytest.approx(7.0, rel=2e-3)


def _reference_shirley(e, y, n_iter=60):
    """Straightforward Proctor–Sherwood iteration on an ascending BE grid (rectangle sums)."""
    lo, hi = y[:3].mean(), y[-3:].mean()
    b = np.full_like(y, lo)
    for _ in range(n_iter):
        net = y - b
        q = np.array([net[: i + 1].sum() - net[0] / 2 - net[i] / 2 for i in range(y.size)])
        b = lo + (hi - lo) * q / q[-1]
    return b


def test_shirley_against_reference():
    rng = np.random.default_rng(3)
    e = np.linspace(280, 296, 161)
    y = 300 + peak(e, "GL", 285.0, 1.2, 4000.0) + peak(e, "GL", 286.5, 1.2, 1500.0)
    y = y + 0.05 * np.cumsum(y - 300) + rng.normal(0, 5, e.size)
    np.testing.assert_allclose(shirley(e, y), _reference_shirley(e, y), atol=1e-3 * y.max())
    # order of points does not matter
    np.testing.assert_allclose(shirley(e[::-1], y[::-1])[::-1], shirley(e, y))


def test_shirley_closed_form_step():
    # a single peak on flat ends: the Shirley background's rise equals the step, and the
    # cumulative area fraction at the peak centre is 1/2 for a symmetric peak
    e = np.linspace(270, 300, 3001)
    pk = peak(e, "GL", 285.0, 1.0, 1000.0, m=0.0)
    k = 0.2
    area = np.concatenate(([0], np.cumsum(0.5 * (pk[1:] + pk[:-1]) * np.diff(e))))
    y = 100 + k * area + pk
    bg = shirley(e, y)
    np.testing.assert_allclose(bg, 100 + k * area, atol=0.05)
    assert linear(e, y)[0] == pytest.approx(100)


def test_tougaard_matches_ends():
    e = np.linspace(270, 320, 501)
    y = 50 + peak(e, "GL", 285, 1.2, 5000) + 3 * (e > 286)
    bg = tougaard(e, y)
    assert bg[0] == pytest.approx(y[:3].mean())
    assert bg[-3:].mean() == pytest.approx(y[-3:].mean(), rel=1e-6)


def _simulated(seed, positions, areas, fwhm=1.0, k=0.03, flat=200.0, doublet=None):
    rng = np.random.default_rng(seed)
    e = np.arange(50.0, 35.0 - 1e-9, -0.05)
    pk = np.zeros_like(e)
    for p, a in zip(positions, areas):
        pk += peak(e, "GL", p, fwhm, a, m=0.3)
        if doublet:
            pk += peak(e, "GL", p + doublet.splitting_eV, fwhm, a * doublet.area_ratio, m=0.3)
    o = np.argsort(e)
    cum = np.empty_like(e)
    cum[o] = np.concatenate(([0], np.cumsum(0.5 * (pk[o][1:] + pk[o][:-1]) * np.diff(e[o]))))
    return XPSRegion("As 3d", e, rng.poisson(flat + k * cum + pk).astype(float))


@pytest.mark.parametrize("refine", [False, True])
def test_recover_simulated_doublets(refine):
    d = Doublet.for_level("As 3d")
    truth_pos, truth_area = [39.7, 41.4, 43.75], [20000.0, 8000.0, 12000.0]
    region = _simulated(11, truth_pos, truth_area, doublet=d)
    model = PeakModel("As 3d", tuple(Component(f"c{i}", p + 0.2, 1.3, doublet=d) for i, p in enumerate(truth_pos)),
                      background="shirley", refine_background=refine)
    fit = fit_region(region, model)
    for i, (p, a) in enumerate(zip(truth_pos, truth_area)):
        c = fit.component(f"c{i}")
        assert abs(c.position_eV - p) < 4 * c.position_stderr_eV + 0.01
        assert abs(c.fwhm_eV - 1.0) < 0.05
        assert abs(c.area - a) < 4 * c.area_stderr + 0.03 * a
        partner = fit.component(f"c{i} (partner)")
        assert partner.position_eV - c.position_eV == pytest.approx(0.69, abs=1e-9)
        assert partner.area / c.area == pytest.approx(2 / 3, rel=1e-9)
        assert partner.fwhm_eV == c.fwhm_eV
    assert 0.7 < fit.reduced_chi2 < 1.4


def test_links_and_yaml(tmp_path):
    region = _simulated(5, [39.7, 41.4], [10000.0, 6000.0])
    model = PeakModel("As 3d", (Component("a", 39.6), Component("b", 41.5)),
                      links=(Link("b", "fwhm", "a"), Link("b", "position", "a", offset_eV=1.7)))
    path = tmp_path / "m.yaml"
    model.save(path)
    loaded = PeakModel.load(path)
    assert loaded == model
    fit = fit_region(region, loaded)
    a, b = fit.component("a"), fit.component("b")
    assert b.fwhm_eV == a.fwhm_eV and b.position_eV - a.position_eV == pytest.approx(1.7)
    path.write_text("region: x\ncomponents: [{name: a, position_eV: 1, shape: '__import__(\"os\")'}]\n")
    with pytest.raises(ParameterError):
        PeakModel.load(path)
    with pytest.raises(ParameterError):
        PeakModel.from_dict({"region": "x", "components": [{"name": "a", "position_eV": 1}],
                             "links": [{"target": "a", "quantity": "fwhm; import os", "source": "a"}]})


def test_profile_shares_positions():
    regions = [_simulated(s, [39.7, 41.4], [10000.0 * (1 + s), 6000.0]) for s in range(3)]
    model = PeakModel("As 3d", (Component("a", 39.5), Component("b", 41.6)))
    fits = fit_spectra(regions, model)
    assert len({f.component("a").position_eV for f in fits}) == 1
    for s, f in enumerate(fits):
        assert f.component("a").area == pytest.approx(10000.0 * (1 + s), rel=0.05)


def test_quantify_rsf_arithmetic():
    # Scofield RSFs (C 1s = 1): Mg 2p 0.334, As 3d 1.821, N 1s 1.80; areas of Mg3AsN
    q = quantify({"Mg 2p": (3 * 0.334, 0.0), "As 3d": (1.821, 0.0), "N 1s": (1.80, 0.0)})
    assert q.ratio("Mg 2p", "As 3d") == pytest.approx(3.0)
    assert q.ratio("N 1s", "As 3d") == pytest.approx(1.0)
    q2 = quantify({"Mg 2p": (1.0, None), "As 3d": (1.0, None)}, rsfs={"Mg 2p": 1.0, "As 3d": 2.0})
    assert q2.ratio("Mg 2p", "As 3d") == pytest.approx(2.0)
    assert "user RSFs" in q2.to_dict()["rsf_source"] and q2.to_dict()["correction"] == "none"


def test_pt_foil(shared_data):
    from sselab.io import read

    acq, = read(shared_data / "xps" / "Pt4f.vms")
    model = PeakModel("Pt 4f", (Component("Pt0", 71.0, 0.8, "LA", {"alpha": 1.1, "beta": 2.5},
                                          doublet=Doublet.for_level("Pt 4f")),))
    fit = fit_region(acq.regions[0], model)
    assert 71.0 <= fit.component("Pt0").position_eV <= 71.2


def test_mg3asn_profile_assignments(tmp_path):
    from sselab.io import read
    from sselab.xps.profile import depth_profile
    from sselab.xps.simulate import ASSIGNMENTS, mg3asn_models, mg3asn_profile, write_vamas

    steps = mg3asn_profile(seed=2)
    files = [write_vamas(a, tmp_path / f"step{k}.vms") for k, a in enumerate(steps)]
    back = [read(f, kind="xps")[0] for f in files]
    assert [a.regions[0].sputter_time_s for a in back] == [0, 120, 360, 720, 1200]
    np.testing.assert_allclose(back[0].regions[1].counts, steps[0].regions[1].counts)
    prof = depth_profile(back, mg3asn_models())
    for region, comps in ASSIGNMENTS.items():
        fit = prof.fits[region][0]
        for name, pos, _w, _d in comps:
            assert fit.component(name).position_eV == pytest.approx(pos, abs=0.05)
    truth = [a.metadata["true_fractions"] for a in steps]
    for k, t in enumerate(truth):
        total = sum(t.values())
        for region, comps in ASSIGNMENTS.items():
            for name, *_ in comps:
                assert prof.component_percent[f"{region}:{name}"][k] == pytest.approx(100 * t[name] / total, abs=1.5)
    n = prof.element_percent

    def true_ratio(t):  # N:As of the simulated truth (N 1s #3 does not diminish with depth: above 1 in the bulk)
        return (sum(t[c[0]] for c in ASSIGNMENTS["N 1s"]) / sum(t[c[0]] for c in ASSIGNMENTS["As 3d"]))

    assert n["N 1s"][0] / n["As 3d"][0] < 0.7  # N-deficient surface
    assert n["N 1s"][-1] / n["As 3d"][-1] == pytest.approx(true_ratio(truth[-1]), rel=0.06)
    assert n["O 1s"][0] > 25 and n["O 1s"][-1] < 2
    assert prof.depth_nm == (0, 2, 6, 12, 20)


def test_cli_fit_json(cli, shared_data, tmp_path):
    rc, out, err = cli("xps", "fit", shared_data / "xps" / "Pt4f.vms", "--region", "Pt 4f",
                       "--components", "Pt0=71.0", "--doublets", "--json")
    # symmetric GL(30) on metallic (asymmetric) Pt 4f: a misfit a few times the noise -> warning, exit 0
    d = json.loads(out)
    assert rc == 0 and d["status"] == "warning" and "misfit" in [r["code"] for r in d["reasons"]], err
    rc_la, out_la, err = cli("xps", "fit", shared_data / "xps" / "Pt4f.vms", "--region", "Pt 4f",
                             "--components", "Pt0=71.0", "--doublets", "--shape", "LA", "--json")
    assert rc_la == 0 and json.loads(out_la)["reduced_chi2"] < d["reduced_chi2"] / 3, err
    for c in d["components"]:
        assert {"position_eV", "fwhm_eV", "area", "area_stderr", "shape"} <= set(c)
    assert d["components"][0]["shape"] == "GL(30)"
    assert "chi2" in d and "residual_rms" in d
    rc, out, err = cli("xps", "fit", shared_data / "xps" / "Pt4f.vms", "--region", "Pt 5f", "--components", "71")
    assert rc == 2 and "Pt 4f" in err


def test_cli_quantify_and_profile(cli, shared_data, tmp_path):
    rc, out, err = cli("xps", "quantify", shared_data / "xps" / "Mutlipak_vms.npl", "--json")
    assert rc == 0, err
    assert set(json.loads(out)["atomic_percent"]) == {"C 1s", "O 1s", "S 2p", "N 1s", "Mo 3d"}   # Mo 3d was dropped
    d = json.loads(out)
    assert sum(d["atomic_percent"].values()) == pytest.approx(100.0)
    assert "Scofield" in d["rsf_source"]
    rc, out, err = cli("xps", "profile", shared_data / "xps" / "SnO2_10nm_1.pro", "--region", "Sn 3d",
                       "--components", "486.5", "--rsf", "Sn 3d=4.1", "--json")
    d = json.loads(out)
    # one GL line with positions shared by all 21 steps cannot follow the Sn 3d doublet (and its
    # shift with depth): every step's fit misfits, the profile says so and exits 3
    assert rc == 3 and d["status"] == "failed" and "input_failed" in [r["code"] for r in d["reasons"]], err
    assert len(d["element_atomic_percent_stderr"]["Sn 3d"]) == 21
    assert len(d["sputter_time_s"]) == 21 and d["depth_nm"][-1] == pytest.approx(10.0)
