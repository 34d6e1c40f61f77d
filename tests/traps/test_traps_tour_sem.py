"""`sem porosity` on a grain-contrast micrograph (zeiss_merlin_grains_1k.tif: a polycrystal's
channelling contrast, SOURCES.md) printed "pore area fraction 0.952", status ok, exit 0."""

from __future__ import annotations

import json

from sselab.microscopy.particles import porosity
from sselab.microscopy.image import read_sem_image as read_sem


def test_porosity_of_a_grain_contrast_image_fails(shared_data, cli):
    f = shared_data / "sem-eds" / "zeiss_merlin_grains_1k.tif"
    d = porosity(read_sem(f))
    assert d["pore_area_fraction"] > 0.9 and d["status"] == "failed"
    assert "implausible_porosity" in [r["code"] for r in d["reasons"]]
    rc, out, err = cli("sem", "porosity", f, "--json")
    assert rc == 3 and json.loads(out)["status"] == "failed"


def test_porosity_of_a_mostly_solid_image_passes(shared_data):
    d = porosity(read_sem(shared_data / "sem-eds" / "thermo_helios_g4_pfib_pillar.tif"))
    assert d["pore_area_fraction"] < 0.5 and "implausible_porosity" not in [r["code"] for r in d["reasons"]]
