"""EDS maps: homogeneity against counting statistics on synthetic maps; real Bruker maps."""

import numpy as np
import pytest

from sselab.eds.maps import element_maps
from sselab.eds.simulate import synthetic_spectrum
from sselab.eds.spectrum import EDSMap, read_eds


def _map(comp_a, comp_b, n=20, counts=4000, seed=0):
    rng = np.random.default_rng(seed)
    sa = synthetic_spectrum(comp_a, 20, line_counts=1e7, seed=1).counts
    sb = synthetic_spectrum(comp_b, 20, line_counts=1e7, seed=2).counts
    cube = np.empty((n, n, sa.size))
    for i in range(n):
        base = sa if i < n // 2 else sb
        cube[i] = rng.poisson(base / base.sum() * counts, size=(n, sa.size))
    e = synthetic_spectrum(comp_a, 20, line_counts=10, seed=1).energy_keV
    return EDSMap(e, cube, (1e-6, 1e-6), 20.0, tuple(comp_a))


def test_uniform_map_is_uniform_and_mean_composition():
    m = _map({"Mg": 3, "As": 1, "N": 1}, {"Mg": 3, "As": 1, "N": 1})
    r = element_maps(m, ["Mg", "As", "N"])
    for el in ("Mg", "As"):
        assert r.homogeneity[el]["ratio"] == pytest.approx(1.0, abs=0.3)
        assert not r.homogeneity[el]["heterogeneous"]
    assert r.maps["Mg"].shape == (20, 20)


def test_two_phase_map_is_heterogeneous_and_regions_differ():
    m = _map({"Mg": 3, "As": 1}, {"Mg": 1, "As": 1})
    lab = np.zeros((20, 20), int)
    lab[:10], lab[10:] = 1, 2
    r = element_maps(m, ["Mg", "As"], regions=lab)
    assert r.homogeneity["Mg"]["heterogeneous"]
    ratio1 = r.regions["1"]["Mg"] / r.regions["1"]["As"]
    ratio2 = r.regions["2"]["Mg"] / r.regions["2"]["As"]
    assert ratio1 / ratio2 == pytest.approx(3.0, rel=0.15)


def test_real_chevkinite_map(shared_data):
    # SOURCES.md: Ca- and Ti-rich domains; Si/O/Fe/Mg/Al vary
    m = read_eds(shared_data / "sem-eds/bruker_chevkinite_30x30.bcf")[0]
    r = element_maps(m, exclude=["C"])
    assert {"Ca", "Ti", "Si", "O", "Fe", "Mg", "Al"} <= set(r.maps)
    for el in ("Ca", "Ti"):
        assert r.homogeneity[el]["heterogeneous"] and r.homogeneity[el]["ratio"] > 10
    ca, ti = r.maps["Ca"].ravel(), r.maps["Ti"].ravel()
    assert np.corrcoef(ca, ti)[0, 1] < 0.3  # separate domains
    d = r.to_dict()
    assert d["pixel_size_um"] == pytest.approx(1.6674, rel=1e-4) and d["status"] in ("ok", "warning")


def test_layer_compositions_of_a_cross_section():
    # MOFsSE | Mg3AsN | MOFsSE (Fig. 5b-e): Zr/O/C in the MOF layers, Mg/As/N in the middle,
    # S everywhere (TFSI spread through all layers)
    from sselab.eds.maps import layer_compositions

    mof = {"Zr": 1, "O": 4, "C": 8, "S": 0.3}
    ap = {"Mg": 3, "As": 1, "N": 1, "S": 0.3}
    rng = np.random.default_rng(0)
    e = synthetic_spectrum(mof, 20, line_counts=10).energy_keV
    s_mof = synthetic_spectrum(mof, 20, line_counts=1e7, seed=1).counts
    s_ap = synthetic_spectrum(ap, 20, line_counts=1e7, seed=2).counts
    rows = [s_mof] * 10 + [s_ap] * 16 + [s_mof] * 10
    cube = np.stack([rng.poisson(np.tile(r / r.sum() * 3000, (12, 1))) for r in rows]).astype(float)
    m = EDSMap(e, cube, (1e-6, 1e-6), 20.0, ())
    res, lay = layer_compositions(m, ["Zr", "O", "C", "S", "Mg", "As", "N"], n_layers=3)
    assert np.allclose(lay.boundaries_px, [10, 26], atol=1)
    mid, top = res.regions["2"], res.regions["1"]
    assert mid["Mg"] / mid["As"] == pytest.approx(3, rel=0.1) and top["Mg"] < 1
    assert top["Zr"] > 3 and mid["Zr"] < 0.5
    assert top["S"] > 0.5 and mid["S"] > 0.5  # S in every layer


def test_synthetic_map_rpl_round_trip_and_band_compositions(tmp_path):
    # two phases mixed per pixel by known mass fractions: each band's at.% is the mass-weighted
    # sum of the phases (hand computation below), recovered through a Ripple .rpl/.raw file
    from sselab.eds import lines as L
    from sselab.eds.maps import map_analysis
    from sselab.eds.simulate import synthetic_map, write_rpl

    phases = {"a": {"Mg": 3, "As": 1}, "b": {"Mg": 1, "S": 1}}
    f = np.zeros((24, 24))
    f[:12], f[12:] = 0.8, 0.2  # phase a's mass fraction: top 0.8, bottom 0.2
    m = synthetic_map(phases, {"a": f, "b": 1 - f}, 20.0, line_counts_per_px=3000, pixel_size_um=2.0, seed=3)
    write_rpl(tmp_path / "m.rpl", m)
    back = read_eds(tmp_path / "m.rpl")[0]
    assert isinstance(back, EDSMap) and np.array_equal(back.cube, m.cube)
    assert back.pixel_size_m == pytest.approx((2e-6, 2e-6)) and back.beam_energy_keV == 20.0
    r, lay = map_analysis(back, ["Mg", "As", "S"], bands=2)
    assert lay is None and set(r.regions) == {"1", "2"}

    def truth(fa):
        w = {}
        for name, x in (("a", fa), ("b", 1 - fa)):
            wt = {el: n * L.atomic_weight(el) for el, n in phases[name].items()}
            for el, v in wt.items():
                w[el] = w.get(el, 0) + x * v / sum(wt.values())
        at = {el: v / L.atomic_weight(el) for el, v in w.items()}
        return {el: 100 * v / sum(at.values()) for el, v in at.items()}

    for band, fa in (("1", 0.8), ("2", 0.2)):
        t = truth(fa)
        for el in ("Mg", "As", "S"):
            assert r.regions[band][el] == pytest.approx(t[el], rel=0.05)
            assert abs(r.regions[band][el] - t[el]) < 2 * r.regions_stderr[band][el]
    assert r.homogeneity["As"]["heterogeneous"]
    with pytest.raises(Exception, match="not both"):
        map_analysis(back, ["Mg"], bands=2, layers=2)


def test_rpl_map_read_through_the_io_registry(tmp_path):
    from sselab.eds.simulate import synthetic_map, write_rpl
    from sselab.io import read

    f = np.full((6, 8), 0.5)
    m = synthetic_map({"a": {"Mg": 3, "As": 1}, "b": {"S": 1}}, {"a": f, "b": 1 - f}, seed=1)
    write_rpl(tmp_path / "x.rpl", m)
    (got,) = read(tmp_path / "x.rpl", kind="eds")
    assert isinstance(got, EDSMap) and np.array_equal(got.cube, m.cube)
