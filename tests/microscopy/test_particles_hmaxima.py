"""The particle seeds found piece by piece (particles._h_maxima) are skimage's h_maxima of the
whole image, pixel for pixel, on real micrographs and on synthetic ones; where the shortcut's
condition fails it falls back to the whole image."""

import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage import morphology

from sselab.microscopy import particles
from sselab.microscopy.image import read_sem_image
from sselab.microscopy.simulate import synthetic_particles

REAL = ["jeol_jxa8530f_particles.tif", "zeiss_merlin_grains_1k.tif", "zeiss_inlens_particles_512.tif",
        "tescan_mira3_se.tif", "thermo_helios_g4_pfib_pillar.tif"]


def _log_distance(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What particles._segment hands to h_maxima: the log distance image of its foreground."""
    g, _ = particles._prepare(np.asarray(a, float), "bright", 1.0, None)
    fg = ndi.binary_fill_holes(morphology.remove_small_objects(g > particles._threshold(g, "otsu"), max_size=11))
    return np.log(np.maximum(ndi.distance_transform_edt(fg), 0.5)), fg


@pytest.mark.parametrize("name", REAL)
def test_real_micrographs_same_seeds(shared_data, name):
    logd, fg = _log_distance(read_sem_image(shared_data / "sem-eds" / name).data)
    assert ndi.label(fg)[1] >= 1
    ref = morphology.h_maxima(logd, np.log(1.5))
    got = particles._h_maxima(logd, np.log(1.5), fg)
    assert got.dtype == ref.dtype and np.array_equal(got, ref)
    assert ref.sum() > 0


@pytest.mark.parametrize("split_ratio", [1.2, 1.5, 1.9, 2.5, 4.0])
def test_synthetic_touching_particles_same_seeds_and_labels(monkeypatch, split_ratio):
    rng = np.random.default_rng(3)
    img, _ = synthetic_particles(rng.lognormal(np.log(0.6), 0.4, 120).clip(0.2, 2.0), 0.02, shape=(400, 500),
                                 touching=0.4, seed=5)
    logd, fg = _log_distance(img.data)
    h = np.log(split_ratio)
    assert np.array_equal(particles._h_maxima(logd, h, fg), morphology.h_maxima(logd, h))
    # and the whole segmentation: the same labels with skimage's call in its place
    got = particles.segment(img.data, split_ratio=split_ratio)
    monkeypatch.setattr(particles, "_h_maxima", lambda image, h, fg: morphology.h_maxima(image, h))
    ref = particles.segment(img.data, split_ratio=split_ratio)
    assert np.array_equal(got[0], ref[0]) and got[1:] == ref[1:]


def test_falls_back_where_pieces_are_not_independent(monkeypatch):
    calls = []
    real = morphology.h_maxima
    monkeypatch.setattr(morphology, "h_maxima", lambda image, h: calls.append(image.shape) or real(image, h))
    image = np.zeros((40, 40))
    image[5:15, 5:15] = 3.0
    image[20:35, 20:35] = 2.0
    fg = image > 0
    for h, background, whole in ((1.0, 0.0, False), (2.5, 0.0, True)):  # seeds 2 − 2.5 < 0: whole image
        calls.clear()
        out = particles._h_maxima(image + np.where(fg, 0, background), h, fg)
        assert np.array_equal(out, real(image, h))
        assert (calls == [(40, 40)]) is whole
    calls.clear()
    varied = image.copy()
    varied[0, 0] = -1.0  # two background levels: the whole image
    assert np.array_equal(particles._h_maxima(varied, 1.0, fg), real(varied, 1.0)) and calls == [(40, 40)]
    calls.clear()
    assert not particles._h_maxima(np.zeros((5, 5)), 1.0, np.zeros((5, 5), bool)).any() and calls == [(5, 5)]
