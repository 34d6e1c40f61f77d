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
