"""Cross-section layers on synthetic sections with known boundaries (within 2 px)."""

import numpy as np
import pytest

from sselab.microscopy.image import from_array
from sselab.microscopy.layers import layer_thicknesses
from sselab.microscopy.simulate import synthetic_layers


@pytest.mark.parametrize("seed,rough", [(1, 0.0), (2, 1.5)])
def test_boundaries_within_2_px(seed, rough):
    # Li|MOF|antiperovskite|MOF|Li-like stack: 5 layers, one thin (12 px)
    t = [40, 25, 60, 12, 50]
    img, truth = synthetic_layers(t, [0.2, 0.6, 0.4, 0.8, 0.3], roughness_px=rough, noise=0.05, seed=seed)
    r = layer_thicknesses(img)
    assert r.boundaries_px.size == truth.size
    assert np.all(np.abs(r.boundaries_px - truth) < 2)
    inner = [ly for ly in r.thicknesses if not ly["open"]]
    assert [round(ly["thickness_px"]) for ly in inner] == t[1:-1]
    assert inner[0]["thickness_um"] == pytest.approx(25 * 0.1, abs=0.2)
    assert r.to_dict()["status"] == "ok"


def test_n_layers_keeps_strongest_and_flat_image_fails():
    img, truth = synthetic_layers([50, 30, 50], [0.2, 0.7, 0.25], noise=0.02, seed=3)
    r = layer_thicknesses(img, n_layers=3)
    assert np.all(np.abs(r.boundaries_px - truth) < 2)
    flat = layer_thicknesses(from_array(np.random.default_rng(0).normal(0.5, 0.05, (120, 200)), 1e-7))
    assert flat.verdict.status == "failed" and "no_boundary" in flat.verdict.codes


def test_vertical_orientation():
    img, truth = synthetic_layers([30, 20, 30], [0.2, 0.7, 0.3], seed=4)
    r = layer_thicknesses(from_array(img.data.T, 1e-7), orientation="vertical")
    assert np.all(np.abs(r.boundaries_px - truth) < 2)
