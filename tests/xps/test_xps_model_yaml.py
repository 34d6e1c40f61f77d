"""Peak models saved and loaded as YAML: lossless round trip, the same fit from the file, and
one model file applied to every step of a depth profile read from one VAMAS file."""

import json

import numpy as np
import pytest
import yaml

from sselab.exceptions import ParameterError
from sselab.measurements import XPSAcquisition
from sselab.xps.model import Component, Doublet, Link, PeakModel
from sselab.xps.profile import depth_profile
from sselab.xps.simulate import mg3asn_models, mg3asn_profile, write_vamas


def _rich_model():
    return PeakModel(
        "Pt 4f",
        (Component("Pt0", 71.05, 0.85, "LA", {"alpha": 1.1, "beta": 2.5}, position_range_eV=0.4,
                   fwhm_bounds_eV=(0.4, 2.0), doublet=Doublet.for_level("Pt 4f")),
         Component("PtO", 72.4, 1.3, "SGL", {"m": 0.45}, fix_fwhm=True, area=120.0),
         Component("PtO2", 74.1, 1.3, "V", {"gamma_fraction": 0.3}, fix_position=True)),
        links=(Link("PtO2", "fwhm", "PtO", factor=1.0), Link("PtO2", "area", "PtO", factor=0.5)),
        background="tougaard", refine_background=True, window_eV=(80.0, 66.0))


@pytest.mark.parametrize("model", [_rich_model(), *mg3asn_models(), *mg3asn_models("linear")],
                         ids=lambda m: f"{m.region}-{m.background}")
def test_yaml_round_trip_is_lossless(tmp_path, model):
    path = tmp_path / "model.yaml"
    model.save(path)
    loaded = PeakModel.load(path)
    assert loaded == model and loaded.to_dict() == model.to_dict()
    assert loaded.to_yaml() == model.to_yaml()                      # a fixed point
    text = path.read_text()
    assert "!!python" not in text                                   # plain YAML only
    data = yaml.safe_load(text)
    assert data["region"] == model.region and len(data["components"]) == len(model.components)
    for c, d in zip(model.components, data["components"]):
        assert d["position_eV"] == c.position_eV and d["shape"] == c.shape
        assert (d["doublet"] is None) == (c.doublet is None)
    # a hand-edited file (one changed number) loads with exactly that change
    data["components"][0]["position_eV"] = model.components[0].position_eV + 0.25
    edited = PeakModel.from_yaml(yaml.safe_dump(data))
    assert edited.components[0].position_eV == pytest.approx(model.components[0].position_eV + 0.25)
    assert edited.components[1:] == model.components[1:]


def test_bad_yaml_is_a_parameter_error(tmp_path):
    for text in ("region: x\ncomponents: [", "just a string", "region: x\ncomponents: []\n",
                 "region: x\ncomponents: [{name: a, position_eV: 1, colour: red}]\n",
                 "region: x\nbackground: magic\ncomponents: [{name: a, position_eV: 1}]\n",
                 "!!python/object/apply:os.system ['echo hi']\n"):
        with pytest.raises(ParameterError):
            PeakModel.from_yaml(text)
    with pytest.raises(ParameterError, match="not found"):
        PeakModel.load(tmp_path / "missing.yaml")


def test_fit_from_saved_model_is_identical(tmp_path, cli, shared_data):
    """`--save-model` then `--model` gives the same fit, number for number."""
    pt = shared_data / "xps" / "Pt4f.vms"
    m_path = tmp_path / "pt.yaml"
    rc, out1, err = cli("xps", "fit", pt, "--region", "Pt 4f", "--components", "Pt0=71.0", "--doublets",
                        "--save-model", m_path, "--json")
    assert rc == 0, err
    rc, out2, err = cli("xps", "fit", pt, "--region", "Pt 4f", "--model", m_path, "--json")
    assert rc == 0, err
    assert json.loads(out1) == json.loads(out2)
    assert PeakModel.load(m_path).components[0].doublet == Doublet.for_level("Pt 4f")


def test_one_model_file_per_region_fits_a_whole_profile(tmp_path, cli):
    minutes = (0, 6, 20)
    steps = mg3asn_profile(seed=5, minutes=minutes)
    # one VAMAS file for the whole profile: every region of every step, with its etch time
    whole = XPSAcquisition(source="mg3asn profile", instrument="sselab",
                           regions=tuple(r for a in steps for r in a.regions if r.name in ("As 3d", "N 1s")),
                           excitation_energy_eV=1486.6)
    vms = write_vamas(whole, tmp_path / "profile.vms")
    models = [m for m in mg3asn_models() if m.region in ("As 3d", "N 1s")]
    paths = []
    for m in models:
        path = tmp_path / f"{m.region.replace(' ', '')}.yaml"
        m.save(path)
        paths += ["--model", path]
    rc, out, err = cli("xps", "profile", vms, *paths, "--rate", "1.0", "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert d["sputter_time_s"] == [60.0 * t for t in minutes] and d["depth_nm"] == list(minutes)
    # the same numbers as the API on the in-memory steps with the in-memory models
    api = depth_profile([XPSAcquisition(source=a.source, instrument=a.instrument,
                                        regions=tuple(r for r in a.regions if r.name in ("As 3d", "N 1s")))
                         for a in steps], models)
    for key, values in api.component_percent.items():
        np.testing.assert_allclose(d["component_atomic_percent"][key], values, rtol=1e-6)
    # and close to the truth the simulation used (N per As: 0.5 at the surface -> 1 in the bulk)
    truth = [a.metadata["true_fractions"] for a in steps]
    for k, t in enumerate(truth):
        n_true = t["N_under"] + t["nitride"] + t["oxynitride"]
        as_true = t["As3-"] + t["As0"] + t["As3+"]
        got = d["element_atomic_percent"]["N 1s"][k] / d["element_atomic_percent"]["As 3d"][k]
        assert got == pytest.approx(n_true / as_true, rel=0.06)
