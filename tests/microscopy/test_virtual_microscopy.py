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
