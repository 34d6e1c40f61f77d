"""``sselab sem`` and ``sselab eds`` commands: JSON contracts, exit codes, plots."""

import json

import numpy as np
import pytest
import tifffile


def test_sem_particles_json_and_plot(cli, shared_data, tmp_path):
    png = tmp_path / "ov.png"
    rc, out, err = cli("sem", "particles", str(shared_data / "sem-eds/zeiss_inlens_particles_512.tif"),
                       "--threshold", "multiotsu", "--json", "--plot", str(png))
    assert rc == 0, err
    d = json.loads(out)
    assert d["pixel_size_um"] == pytest.approx(0.011649976)
    assert d["n_particles"] > 20 and d["d10_um"] < d["d50_um"] < d["d90_um"]
    assert d["status"] in ("ok", "warning") and png.stat().st_size > 10_000


def test_sem_particles_failed_exit_3(cli, tmp_path):
    f = tmp_path / "noise.tif"
    tifffile.imwrite(f, np.random.default_rng(0).integers(90, 110, (128, 128)).astype(np.uint8))
    rc, out, err = cli("sem", "particles", str(f), "--pixel-size", "10 nm", "--json")
    assert rc == 3
    assert json.loads(out)["status"] == "failed"


def test_sem_layers_text(cli, tmp_path):
    from sselab.microscopy.simulate import synthetic_layers

    img, truth = synthetic_layers([40, 30, 40], [0.2, 0.7, 0.3], seed=1)
    f = tmp_path / "xs.tif"
    tifffile.imwrite(f, (img.data * 200).clip(0, 255).astype(np.uint8))
    rc, out, err = cli("sem", "layers", str(f), "--pixel-size", "0.1 um", "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert np.allclose(d["boundaries_px"], truth, atol=2)
    assert d["layers"][1]["thickness_um"] == pytest.approx(3.0, abs=0.2)


def test_eds_quantify_normalise(cli, shared_data):
    rc, out, err = cli("eds", "quantify", str(shared_data / "sem-eds/bruker_albite.spx"), "--exclude", "C,K,Ca",
                       "--normalise", "Si=3", "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert set(d["elements"]) == {"O", "Na", "Al", "Si"} and d["formula"]["Si"] == 3.0
    assert "light_elements" in [r["code"] for r in d["reasons"]]


def test_eds_bad_input(cli, shared_data):
    rc, out, err = cli("eds", "quantify", str(shared_data / "sem-eds/nist_K412_glass.msa"), "--normalise", "Sn=1")
    assert rc == 2 and err.startswith("error:")
    rc, out, err = cli("eds", "quantify", "/nonexistent.msa")
    assert rc == 2 and "no such file" in err


def test_eds_maps_json(cli, shared_data, tmp_path):
    png = tmp_path / "maps.png"
    rc, out, err = cli("eds", "maps", str(shared_data / "sem-eds/bruker_chevkinite_30x30.bcf"), "--exclude", "C",
                       "--json", "--plot", str(png))
    assert rc == 0, err
    d = json.loads(out)
    assert d["homogeneity"]["Ti"]["heterogeneous"] and png.exists()


def test_eds_identify_json(cli, shared_data):
    rc, out, err = cli("eds", "identify", str(shared_data / "sem-eds/tescan_tima_calcite.msa"), "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert {"C", "O", "Mg", "Ca", "Fe", "Mn"} == {f["element"] for f in d["identified"]}
    assert d["status"] == "ok" and d["beam_energy_keV"] == 25
