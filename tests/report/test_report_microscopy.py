"""The report's SEM/EDS section, built from the store after the pipeline analysed the virtual
study's micrographs and spectrum (known d50, layer thicknesses, formula)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml

from sselab.report import microscopy
from sselab.report.html import write_report
from sselab.simulate.microscopy import manifest_entries, write_microscopy
from sselab.store import open_store
from sselab.study.pipeline import run_study


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("semreport")
    truth = write_microscopy(root, seed=0)
    doc = {"study": "sem-eds", "samples": [{"name": "as-BM"}], "measurements": manifest_entries(truth),
           "analysis": {"eds": {"normalise": {"As": 1}}}}
    (root / "study.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    db = root / "sselab-results" / "results.sqlite"
    db.parent.mkdir()
    assert run_study(root / "study.yaml", db).n_failed == 0
    html = write_report(db, root / "report")
    with open_store(db) as s:
        rows = s.analyses()
    return truth, root, html, rows


def test_section_table_and_figures(built):
    truth, root, html, rows = built
    text = html.read_text(encoding="utf-8")
    assert "<h2>Microscopy (SEM, EDS)</h2>" in text
    tab = pd.read_csv(root / "report" / "tables" / "microscopy.csv")
    assert set(tab["analysis"]) == {"SEM particles", "SEM layers", "EDS"}
    eds = tab.loc[tab["analysis"] == "EDS", "result"].item()
    assert eds == "Mg3.1AsN1.3"  # the formula the spectrum was generated with
    sizes = tab.loc[tab["analysis"] == "SEM particles", "result"].item()
    d50 = float(re.search(r"= [\d.]+/([\d.]+)/", sizes).group(1))
    assert d50 == pytest.approx(truth["sem_particles"]["d50_um"], rel=0.05)
    layers = tab.loc[tab["analysis"] == "SEM layers", "result"].item()
    thick = [float(x) for x in re.findall(r"([\d.]+) µm", layers)]
    assert thick == pytest.approx(list(truth["sem_layers"]["layers_um"].values())[1:-1], abs=1.0)
    names = {p.stem.rsplit("_", 2)[0] for p in (root / "report" / "figures").glob("*.svg")}
    assert {"eds", "sem_sizes", "sem_overlay", "sem_layers"} <= names


def test_histogram_lognormal_and_overlay_on_the_image(built):
    _, root, _, rows = built
    (r,) = [x for x in rows if x["method"] == "sem_image" and x["result"]["analysis"] == "particles"]
    fig = microscopy.particle_histogram(r)
    ax = fig.axes[0]
    x, y = ax.lines[0].get_data()  # the log-normal density peaks at its mode, median / σg^(ln σg)
    ln = r["result"]["lognormal"]
    import numpy as np

    mode = ln["median"] * np.exp(-np.log(ln["sigma_g"]) ** 2)
    assert x[np.argmax(y)] == pytest.approx(mode, rel=0.03)
    assert len(r["result"]["particles_px"]["x"]) == r["result"]["n_particles"]
    ov = microscopy.particle_overlay(r, (root,))
    assert ov.axes[0].images and "not found" not in ov.axes[0].get_title()
    (circles,) = ov.axes[0].collections  # one circle per particle, drawn as one collection
    assert len(circles.get_paths()) == r["result"]["n_particles"]
    d = r["result"]["particles_px"]["d"][0]
    assert circles.get_paths()[0].get_extents().width == pytest.approx(d, rel=1e-6)  # diameter in pixels


def test_report_svg_embeds_every_pixel_of_the_micrograph(built, tmp_path):
    """The overlay's SVG (the report's format, rasters at SVG_IMAGE_DPI = 150) holds the
    micrograph at its own resolution, each grey level as read, not resampled to fewer pixels."""
    import base64
    import io

    import numpy as np
    from PIL import Image

    from sselab.report.figpool import _render_figure

    _, root, _, rows = built
    (r,) = [x for x in rows if x["method"] == "sem_image" and x["result"]["analysis"] == "particles"]
    data = np.asarray(microscopy._image(r, (root,)), float)  # the micrograph as the figure reads it
    _render_figure(microscopy.particle_overlay(r, (root,)), [tmp_path / "o.svg"])
    m = re.search(r'<image xlink:href="data:image/png;base64,\s*([^"]+)"', (tmp_path / "o.svg").read_text())
    grey = np.asarray(Image.open(io.BytesIO(base64.b64decode(m.group(1)))).convert("L"), float)
    assert grey.shape == data.shape  # every row and column (at 150 dpi: ~0.6 of them)
    scaled = (data - data.min()) / np.ptp(data) * 255  # the gray colormap over the image's range
    assert np.abs(grey - scaled).max() <= 1.5


def test_eds_figure_marks_identified_lines(built):
    _, _, _, rows = built
    (r,) = [x for x in rows if x["method"] == "eds_quantify"]
    fig = microscopy.eds_spectrum(r)
    labels = {t.get_text().split()[0] for t in fig.axes[0].texts}
    assert {"Mg", "As", "N"} <= labels


def test_pellet_pores_figure(tmp_path):
    """A porosity result is drawn as the micrograph with its pores tinted; the title gives the
    stored pore fraction (Fig. 4c of the virtual study: known porosity)."""
    import tifffile

    from sselab.microscopy.image import read_sem_image
    from sselab.microscopy.particles import porosity
    from sselab.microscopy.simulate import synthetic_pellet

    img, truth = synthetic_pellet(0.1, 0.05, shape=(128, 160), seed=4)
    tifffile.imwrite(tmp_path / "p.tif", (img.data * 255).clip(0, 255).astype("uint8"))
    res = {**porosity(read_sem_image(tmp_path / "p.tif")), "analysis": "porosity", "pixel_size_um": 0.05}
    row = {"sample": "600C-12h", "result": res, "measurements": [{"path": "p.tif"}]}
    assert microscopy.pellet_pores(row, ()) is None  # image not found: no figure rather than a blank one
    fig = microscopy.pellet_pores(row, (tmp_path,))
    ax = fig.axes[0]
    assert len(ax.images) == 1 and ax.get_xlabel() == "x / µm" and ax.get_xlim()[1] == pytest.approx(160 * 0.05)
    rgb = ax.images[0].get_array()
    red = rgb[..., 0] - rgb[..., 1] > 0.2  # tinted: red well above green; grey pixels have them equal
    assert red.mean() == pytest.approx(res["pore_area_fraction"])
    assert f"pores {100 * res['pore_area_fraction']:.1f} %" in ax.get_title()
    assert res["pore_area_fraction"] == pytest.approx(truth, abs=0.01)
