"""XRD: structures, structure factors vs pymatgen, simulation → refinement round trips."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sselab.exceptions import SselabError
from sselab.xrd import antiperovskite, get_phase, identify, refine, simulate_pattern, williamson_hall
from sselab.xrd.instrument import Instrument
from sselab.xrd.model import PowderModel
from sselab.xrd.rietveld import agreement

# REFERENCE §4 Table 2: a [Å], ρ [g/cm³], V [Å³]
TABLE2 = [(4.2307, 3.55, 75.7275), (4.2239, 3.567, 75.3608), (4.2242, 3.566, 75.3781), (4.2241, 3.566, 75.3702)]


@pytest.mark.parametrize("a, rho, volume", TABLE2)
def test_table2_density_and_volume(a, rho, volume):
    for setting in ("B", "A"):
        p = antiperovskite("Mg", "As", "N", a, setting=setting)
        assert p.density_g_cm3 == pytest.approx(rho, abs=0.006)
        assert p.volume_A3 == pytest.approx(volume, rel=1e-4)
        assert p.formula_mass_g_mol == pytest.approx(161.84, abs=0.01)


def test_both_origin_settings_give_the_same_intensities():
    x = np.linspace(15, 100, 200)
    areas = []
    for setting in ("A", "B"):
        m = PowderModel([antiperovskite("Mg", "As", "N", 4.2307, setting=setting)], x)
        areas.append(np.sort(m.peaks(m.parameters().value_array).area))
    np.testing.assert_allclose(areas[0], areas[1], rtol=1e-10)


@pytest.mark.parametrize("name", ["Mg3AsN", "ZrO2-m", "As"])
def test_intensities_match_pymatgen(name):
    from pymatgen.analysis.diffraction.xrd import XRDCalculator

    phase = get_phase(name)
    m = PowderModel([phase], np.linspace(10, 90, 50), Instrument.single(1.54184))
    v = m.parameters().value_array.copy()
    for i, n in enumerate(m.names):
        if ".B_" in n:
            v[i] = 0.0
    pk = m.peaks(v)
    ref = XRDCalculator("CuKa").get_pattern(phase.structure, scaled=False, two_theta_range=(10, 90))
    bins = np.arange(10, 90.01, 0.25)
    ours, _ = np.histogram(pk.centre, bins, weights=pk.area)
    theirs, _ = np.histogram(ref.x, bins, weights=ref.y)
    sel = theirs > 1e-3 * theirs.max()
    ratio = ours[sel] / theirs[sel]
    np.testing.assert_allclose(ratio / ratio[0], 1.0, rtol=1e-6)


def test_library_densities_are_literature_values():
    expected = {"Mg3N2": 2.72, "MgO": 3.58, "ZrO2-m": 5.81, "As": 5.78, "LaB6": 4.71}
    for name, rho in expected.items():
        assert get_phase(name).density_g_cm3 == pytest.approx(rho, abs=0.02)
    with pytest.raises(SselabError):
        get_phase("unobtainium")


def test_agreement_factors_follow_reference():
    yo = np.array([100.0, 200.0, 400.0])
    yc = np.array([110.0, 190.0, 400.0])
    s = np.sqrt(yo)
    rp, rwp, rexp, chi2 = agreement(yo, yc, s, 1)
    assert rp == pytest.approx(100 * 20 / 700)
    swy2 = 100 + 200 + 400
    assert rwp == pytest.approx(100 * np.sqrt((1 + 0.5) / swy2))
    assert rexp == pytest.approx(100 * np.sqrt(2 / swy2))
    assert chi2 == pytest.approx((rwp / rexp) ** 2)


def test_refinement_recovers_lattice_size_and_strain():
    truth = dict(D=14.1, eps=6.67e-3)
    pat = simulate_pattern([get_phase("Mg3AsN")], np.arange(15, 110, 0.02), D_nm={"Mg3AsN": truth["D"]},
                           strain={"Mg3AsN": truth["eps"]}, peak_counts=1e5, seed=11)
    res = refine(pat, [antiperovskite("Mg", "As", "N", 4.226, name="Mg3AsN")])
    ph = res.phase("Mg3AsN")
    assert abs(ph.lattice["a"] - 4.2307) < 1e-4
    assert abs(ph.crystallite_size_nm - truth["D"]) < 3 * ph.crystallite_size_stderr_nm
    assert abs(ph.microstrain - truth["eps"]) < 3 * ph.microstrain_stderr
    assert 0.8 < res.chi2 < 1.25
    assert ph.density_g_cm3 == pytest.approx(3.549, abs=0.002)


def test_two_phase_weight_fraction():
    phases = [get_phase("Mg3AsN"), get_phase("ZrO2-m")]
    pat = simulate_pattern(phases, np.arange(20, 80, 0.02), weight_fractions={"Mg3AsN": 0.85, "ZrO2-m": 0.15},
                           D_nm={"Mg3AsN": 40.0, "ZrO2-m": 60.0}, peak_counts=3e4, seed=5)
    res = refine(pat, phases)
    wf = res.phase("ZrO2-m").weight_fraction
    assert abs(wf - 0.15) < max(3 * res.phase("ZrO2-m").weight_fraction_stderr, 0.005)
    assert res.phase("Mg3AsN").weight_fraction + wf == pytest.approx(1.0)


def test_negative_b_is_warned():
    pat = simulate_pattern([get_phase("MgO")], np.arange(30, 110, 0.02), b_iso={"MgO": -0.8}, peak_counts=5e4, seed=2)
    res = refine(pat, [get_phase("MgO")], refine_b=True)
    assert any("negative" in w for w in res.warnings)


def test_identify_finds_contaminant_and_unexplained_peaks():
    pat = simulate_pattern([get_phase("Mg3AsN"), get_phase("MgO")], np.arange(30, 80, 0.02),
                           weight_fractions={"Mg3AsN": 0.9, "MgO": 0.1}, seed=3)
    res = identify(pat, [get_phase("Mg3AsN"), get_phase("Mg3N2")])
    assert res.present == ["Mg3AsN"]
    # MgO 200 and 220 (a = 4.2112 Å, Cu Kα1) are left unexplained
    for hkl2 in (4, 8):
        tt = 2 * np.degrees(np.arcsin(1.540598 * np.sqrt(hkl2) / (2 * 4.2112)))
        assert min(abs(tt - u) for u in res.unexplained_peaks_deg) < 0.1


def test_williamson_hall_recovers_size_and_strain():
    pat = simulate_pattern([get_phase("Mg3AsN")], np.arange(20, 120, 0.01), D_nm={"Mg3AsN": 30.0},
                           strain={"Mg3AsN": 2e-3}, peak_counts=5e4, seed=4)
    wh = williamson_hall(pat, phase=get_phase("Mg3AsN"))
    assert abs(wh.D_nm - 30.0) < max(3 * wh.D_stderr_nm, 1.0)
    assert abs(wh.strain - 2e-3) < max(3 * wh.strain_stderr, 5e-5)
    sizes = [p.scherrer_nm for p in wh.peaks]
    assert all(s < 30.0 for s in sizes)  # Scherrer ignores strain: always below D


def test_cli_refine_json_keys(xrd_cli, tmp_path):
    cli = xrd_cli
    out = tmp_path / "sim.xye"
    rc, _, err = cli("xrd", "simulate", "--antiperovskite", "Mg3AsN", "--a", "4.2307", "--size-nm", "25",
                     "--strain", "0.002", "--noise", "--seed", "1", "--start", "20", "--stop", "90", "--out", out)
    assert rc == 0, err
    rc, text, err = cli("xrd", "refine", out, "--phases", "Mg3AsN", "--json", "--plot", tmp_path / "r.png")
    assert rc == 0, err
    d = json.loads(text)
    for key in ("Rp", "Rwp", "Rexp", "chi2"):
        assert key in d
    ph = d["phases"][0]
    for key in ("a", "b", "c", "density", "weight_fraction", "crystallite_size_nm", "microstrain"):
        assert key in ph
    assert abs(ph["a"] - 4.2307) < 5e-4
    assert (tmp_path / "r.png").stat().st_size > 1000
    rc, text, err = cli("xrd", "wh", out, "--json")
    assert rc == 0, err
    assert abs(json.loads(text)["crystallite_size_nm"] - 25) < 3
    rc, text, err = cli("xrd", "identify", out, "--phases", "Mg3AsN,MgO", "--json")
    assert rc == 0, err
    ident = json.loads(text)
    assert "present" in ident
    mgo_ = next(c for c in ident["candidates"] if c["name"] == "MgO")
    assert mgo_["present"] is False and mgo_["weight_fraction"] is None and mgo_["detection_limit_wt_percent"] > 0
    rc, _, err = cli("xrd", "refine", tmp_path / "missing.xye", "--phases", "Mg3AsN")
    assert rc == 2 and "no such file" in err
    rc, _, err = cli("xrd", "refine", out, "--phases", "Unobtainium")
    assert rc == 2 and "unknown phase" in err
