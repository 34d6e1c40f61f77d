"""The virtual study's SEM/EDS files: recovered vs their truth (and the paper's numbers)."""

import pytest

from sselab.microscopy.image import read_sem_image
from sselab.simulate.microscopy import write_microscopy, microscopy_rows


def test_virtual_microscopy_round_trip(tmp_path):
    truth = write_microscopy(tmp_path, seed=0)
    im = read_sem_image(tmp_path / truth["sem_particles"]["file"])
    assert im.vendor == "imagej" and im.pixel_size_um == pytest.approx(0.015)
    rows = {r["quantity"]: r for r in microscopy_rows(tmp_path, truth)}
    for key in ("crystal size min (SEM) — as-BM", "crystal size max (SEM) — as-BM", "crystal size d50 (SEM) — as-BM"):
        assert rows[key]["recovered"] == pytest.approx(rows[key]["truth"], rel=0.05)
    assert 0.2 <= rows["crystal size min (SEM) — as-BM"]["truth"] and rows["crystal size max (SEM) — as-BM"]["truth"] <= 2.5
    lay = rows["Mg3AsN layer thickness (SEM cross-section)"]
    assert abs(lay["recovered"] - lay["truth"]) <= 2 * 0.5  # 2 px of 0.5 µm
    assert rows["EDS Mg per As — as-BM"]["recovered"] == pytest.approx(3.1, rel=0.05)
    assert rows["EDS N per As — as-BM"]["recovered"] == pytest.approx(1.3, rel=0.05)


def test_virtual_pellets_and_membrane(tmp_path):
    """Fig. 4c pellets and Fig. 6b–d membrane: recovered vs their (assumed) truth, paper None."""
    from sselab.simulate.microscopy import pellet_membrane_entries, sample_entries

    truth = write_microscopy(tmp_path, seed=3)
    rows = {r["quantity"]: r for r in microscopy_rows(tmp_path, truth)}
    p12 = rows["pore area fraction (SEM, Fig. 4c) — 600C-12h"]
    p20 = rows["pore area fraction (SEM, Fig. 4c) — 600C-20h"]
    for r in (p12, p20):
        assert r["paper"] is None and r["status"] == "ok"
        assert r["recovered"] == pytest.approx(r["truth"], abs=0.005)  # half a percent of the area
        assert 0 < r["stderr"] < 0.05  # field-to-field (3 × 3 tiles): how well one field samples the pellet
    assert p20["recovered"] < p12["recovered"]  # the paper: longer sintering, more compact
    top = rows["AP particle area fraction, membrane top (SEM, Fig. 6) — SE-polymer"]
    bottom = rows["AP particle area fraction, membrane bottom (SEM, Fig. 6) — SE-polymer"]
    for r in (top, bottom):  # partial pixels on the blurred outlines: unbiased (the thresholded mask read +7–9 %)
        assert r["recovered"] == pytest.approx(r["truth"], rel=0.03)
    assert bottom["recovered"] > 1.5 * top["recovered"]  # "slightly concentrated at the bottom"
    xs = rows["membrane thickness (SEM cross-section, Fig. 6d; paper 100–150 µm) — SE-polymer"]
    assert abs(xs["recovered"] - 125.0) <= 2 * 1.0 and 100 <= xs["truth"] <= 150  # 2 px of 1 µm
    # the pipeline analyses them: porosity for the pellets, particles/layers for the membrane
    entries = {e["file"]: e for e in pellet_membrane_entries(truth)}
    assert entries[truth["sem_pellets"]["600C-20h"]["file"]]["settings"] == {"analysis": "porosity"}
    assert entries[truth["sem_membrane"]["cross_section"]["file"]]["settings"]["layers"] == {"n_layers": 3}
    assert [s["name"] for s in sample_entries(truth)] == ["600C-20h"]
