"""Particle area fraction of simulated micrographs with known truth, and the real micrographs.

``sselab.microscopy.particle_sizes`` reports ``area_fraction`` from partial pixels on the
blurred outlines (:func:`sselab.microscopy.particles.partial_area_fraction`) and, as
``area_fraction_mask``, the pixels of the thresholded mask (what ``area_fraction`` was before:
Otsu's outlines of a few % of blurred particles grow outward).  The segmentation, hence the
particle count and the diameters, is the same for both.

Tables (markdown):

1. simulated: discs of 0.5–1.6 µm (5–16 px, 60 asked for) in 240 × 320 px at 0.1 µm/px,
   contrast 0.45, beam blur σ ``blur`` px and Gaussian noise ``noise`` (of a 0.3–0.75 grey
   range), ``--seeds`` seeds each: relative error of each estimate against the rendered discs'
   fraction (mean ± sd over seeds);
2. the virtual study's membrane views (``sselab.simulate.microscopy``, seeds 0..``--seeds``−1,
   written as 8-bit TIFFs as the demo does);
3. the real micrographs of ``--data`` (``sem-eds``): count, d50, area fraction mask / partial.

Run::

    PYTHONPATH=src python benchmarks/bench_particle_area.py --seeds 3 --data ../shared/data/sem-eds
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from sselab.microscopy.image import read_sem_image
from sselab.microscopy.particles import particle_sizes
from sselab.microscopy.simulate import synthetic_particles

#: real files and the settings their tests use (tests/microscopy/test_particles.py)
REAL = {"zeiss_inlens_particles_512.tif": {"threshold": "multiotsu"}, "jeol_jxa8530f_particles.tif": {},
        "tescan_mira3_se.tif": {}, "zeiss_merlin_grains_1k.tif": {}}


def simulated(seeds: int) -> list[str]:
    out = ["| blur σ [px] | noise | mask (old) | partial pixels (new) | edge σ read [px] (true ⊕ 1 px smoothing) |",
           "|---|---|---|---|---|"]
    for blur in (0.5, 1.0, 2.0, 3.0):
        for noise in (0.02, 0.04, 0.08):
            res = []
            for seed in range(seeds):
                d = np.random.default_rng(seed).uniform(0.5, 1.6, 60)
                img, placed = synthetic_particles(d, 0.1, shape=(240, 320), contrast=0.45, noise=noise,
                                                  blur_px=blur, seed=seed + 10)
                truth = (np.pi * (placed / 0.1) ** 2 / 4).sum() / (240 * 320)
                r = particle_sizes(img, n_boot=10)
                res.append((r.area_fraction_mask / truth - 1, r.area_fraction / truth - 1, r.edge_sigma_px))
            m, s = np.mean(res, 0), np.std(res, 0, ddof=1)
            out.append(f"| {blur} | {noise} | {100 * m[0]:+.1f} ± {100 * s[0]:.1f} % | {100 * m[1]:+.1f} ± {100 * s[1]:.1f} % "
                       f"| {m[2]:.2f} ({np.hypot(blur, 1):.2f}) |")
    return out


def membrane(seeds: int) -> list[str]:
    from sselab.simulate.microscopy import MEMBRANE_PARTICLES, _write_pellets_membrane

    root = Path(tempfile.mkdtemp())
    (root / "sem").mkdir()
    old, new = [], []
    for seed in range(seeds):
        t = _write_pellets_membrane(root, seed)["sem_membrane"]
        for side in MEMBRANE_PARTICLES:
            r = particle_sizes(read_sem_image(root / t[side]["file"]), n_boot=10)
            old.append(r.area_fraction_mask / t[side]["area_fraction"] - 1)
            new.append(r.area_fraction / t[side]["area_fraction"] - 1)
    old, new = np.array(old), np.array(new)
    return ["| membrane views | mask (old) | partial pixels (new) |", "|---|---|---|",
            f"| {old.size} (seeds 0–{seeds - 1}, top + bottom) | mean {100 * old.mean():+.1f} %, sd {100 * old.std(ddof=1):.1f} %, "
            f"worst {100 * np.abs(old).max():.1f} % | mean {100 * new.mean():+.1f} %, sd {100 * new.std(ddof=1):.1f} %, "
            f"worst {100 * np.abs(new).max():.1f} % |"]


def real(data: Path) -> list[str]:
    out = ["| file (settings) | count | edge excluded | d50 | area fraction mask (old) | partial (new) | edge σ [px] | status |",
           "|---|---|---|---|---|---|---|---|"]
    for name, kw in REAL.items():
        if not (data / name).exists():
            continue
        r = particle_sizes(read_sem_image(data / name), n_boot=50, **kw)
        d50 = r.percentiles["d50"][0]
        out.append(f"| {name} {kw or ''} | {r.n_particles} | {r.n_edge_excluded} | {d50:.4g} {r.unit} | "
                   f"{r.area_fraction_mask:.4f} | {r.area_fraction:.4f} | {r.edge_sigma_px:.2f} | {r.verdict.status} |")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--membrane-seeds", type=int, default=10)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/sem-eds")
    a = ap.parse_args()
    for block in (simulated(a.seeds), membrane(a.membrane_seeds), real(a.data)):
        print("\n".join(block) + "\n")


if __name__ == "__main__":
    main()
