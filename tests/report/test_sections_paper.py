"""The demo's paper-comparison page: every row, its verdict, the inconsistencies and the residuals."""

import re

from sselab.demo_rows import inconsistency_rows
from sselab.report.sections_paper import residual_figure, write_paper_page


def _rows():
    return [
        {"quantity": "σ_ion at 100 °C", "sample": "as-BM", "recovered": 5.5e-4, "stderr": 2e-6, "truth": 5.54e-4,
         "paper": 5.54e-4, "unit": "S/cm", "status": "ok", "reasons": []},
        {"quantity": "GCD cycles", "sample": "SE-polymer", "recovered": None, "stderr": None, "truth": None,
         "paper": 200.0, "unit": "cycles", "status": "not simulated", "reasons": ["not simulated <yet>"]},
    ] + inconsistency_rows()


def test_page_lists_every_row_escaped_with_inconsistencies_and_assumptions(tmp_path):
    page = write_paper_page(_rows(), tmp_path, ["100 µm membrane assumed"])
    text = open(page, encoding="utf-8").read()
    assert text.count("<tr class=") == len(_rows())
    assert "not simulated &lt;yet&gt;" in text and "<yet>" not in text
    assert "0.351 eV" in text and "100 µm membrane assumed" in text
    assert (tmp_path / "paper_residuals.svg").stat().st_size > 1000 and not (tmp_path / "paper_residuals.png").exists()
    assert 'src="paper_residuals.svg"' in text


def test_page_figures_as_png_on_request_and_an_unknown_format_refused(tmp_path):
    import pytest

    from sselab.exceptions import SselabError

    text = open(write_paper_page(_rows(), tmp_path, [], _analyses(), fmt="PNG"), encoding="utf-8").read()
    assert 'src="paper_residuals.png"' in text and "paper_ageing.png" in text
    pngs = sorted(tmp_path.glob("*.png"))
    assert len(pngs) == 4 and not list(tmp_path.glob("*.svg"))
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    with pytest.raises(SselabError, match="unknown figure format 'pdf'"):
        write_paper_page(_rows(), tmp_path / "x", [], fmt="pdf")
    assert not (tmp_path / "x").exists()  # refused before anything is written


def test_residual_figure_only_rows_with_truth_and_stderr(tmp_path):
    assert residual_figure(_rows()[1:], tmp_path / "r.png") is None
    assert residual_figure(_rows()[:1], tmp_path / "r.png") == str(tmp_path / "r.png")


def _analyses():
    """Stored results as the pipeline writes them (a W–H fit of known D, ε; an ageing series; a CCD trace)."""
    import numpy as np

    K, lam, D_nm, eps = 0.9, 1.540598, 14.1, 6.67e-3
    tt = np.array([21.0, 30.0, 36.8, 43.0, 53.3, 62.4])
    th = np.radians(tt) / 2
    beta = np.degrees((K * lam / (10 * D_nm) + eps * 4 * np.sin(th)) / np.cos(th))
    wh = {"crystallite_size_nm": D_nm, "microstrain": eps, "K": K, "wavelength_A": lam,
          "peaks": [{"two_theta_deg": float(a), "beta_deg": float(b)} for a, b in zip(tt, beta)]}
    ageing = {"time_h": [0, 48, 96, 144], "R_ohm": [800, 801, 799, 800], "R_err_ohm": [2, 2, 2, 2], "R0_ohm": 800.0,
              "slope_ohm_per_h": 0.0, "slope_ohm_per_day": 0.0, "parameter": "R2", "verdict": "stable", "criterion": "c"}
    ccd = {"ccd_mA_per_cm2": 0.02, "steps_mA_per_cm2": [0.005, 0.01, 0.02, 0.05], "short_half_cycle": 14,
           "curves": {"time_s": list(np.linspace(0, 7200, 50)), "voltage_V": list(np.sin(np.linspace(0, 20, 50)))}}
    return [{"method": "xrd_refine", "sample": "as-BM", "result": {"williamson_hall": wh}},
            {"method": "ageing", "sample": "SE-polymer", "result": ageing},
            {"method": "ccd", "sample": "SE-polymer", "result": ccd}]


def test_paper_figures_one_per_paper_figure_the_store_holds(tmp_path):
    from sselab.report.figures_paper import paper_figures

    made = paper_figures(_analyses(), tmp_path)
    titles = [t for t, _, _ in made]
    assert titles == ["Fig. S4 — Williamson–Hall plots", "Fig. S11 — ageing of Mg|SE-polymer|Mg",
                      "Critical current density (stepped current)"]  # no stacks, Arrhenius or GCD results: no figure
    for _, path, _ in made:
        assert path.endswith(".svg") and "<svg" in open(path, encoding="utf-8").read(2000)
    for _, path, _ in paper_figures(_analyses(), tmp_path, fmt="png"):
        assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert paper_figures([], tmp_path) == []


def test_page_has_a_section_per_figure_when_given_the_analyses(tmp_path):
    page = write_paper_page(_rows(), tmp_path, [], _analyses())
    text = open(page, encoding="utf-8").read()
    assert "<h2>Fig. S4 — Williamson–Hall plots</h2>" in text and "paper_williamson_hall.svg" in text
    assert "paper_ageing.svg" in text and "paper_ccd.svg" in text


def test_a_reason_shared_by_many_rows_is_one_numbered_note(tmp_path):
    """A refinement's warnings stood in full on each of its rows (a 15,000 px page)."""
    long = "Mg3AsN: B(N1) = -8.87 Å² is negative (unphysical)"
    rows = [{"quantity": q, "sample": "as-BM", "recovered": 1.0, "stderr": 0.1, "truth": 1.0, "paper": 1.0,
             "unit": "", "status": "warning", "reasons": [long, "only " + q]} for q in ("a", "D", "ε")]
    text = open(write_paper_page(rows, tmp_path), encoding="utf-8").read()
    assert text.count("B(N1) = -8.87") == 1 and text.count('href="#note1"') == 3
    assert all(f'<li id="note{k}">only {q}</li>' in text for k, q in ((2, "a"), (3, "D"), (4, "ε")))


def test_paper_page_figures_rendered_by_a_shared_pool_are_the_same_files(tmp_path):
    """The demo renders the paper page's figures in the report's figure pool: the page is written
    at once, each SVG when the pool is waited for, the same markup as drawn here."""
    from sselab.report.html import FigurePool

    serial = write_paper_page(_rows(), tmp_path / "serial", [], _analyses())
    with FigurePool(2) as pool:
        assert pool.parallel
        pooled = write_paper_page(_rows(), tmp_path / "pool", [], _analyses(), pool=pool)
    assert open(pooled, encoding="utf-8").read() == open(serial, encoding="utf-8").read()
    names = sorted(p.name for p in (tmp_path / "serial").glob("*.svg"))
    assert len(names) == 4 and names == sorted(p.name for p in (tmp_path / "pool").glob("*.svg"))

    def svg(path):  # matplotlib's ids are salted at random and the date is the time of writing
        text = path.read_text(encoding="utf-8")
        return re.sub(r'(id|xlink:href|clip-path)="[^"]*"', "", re.sub(r"<dc:date>[^<]*</dc:date>", "", text))

    for name in names:
        assert svg(tmp_path / "pool" / name) == svg(tmp_path / "serial" / name), name


def test_residual_labels_are_not_cut_at_the_png_resolution(tmp_path):
    """paper_residuals.png is saved at RESIDUAL_DPI (150) and laid out at it: text measured at
    the figure's 100 dpi is ~6 % narrower than drawn at 150, and the longest label (the demo's
    'σ_el at 100 °C (AC mixed-conductor fit, cross-check with DC) — 600C-12h') ran off the
    left edge.  Every dark pixel lies inside the padding (savefig.pad_inches = 0.1 in)."""
    import numpy as np
    from matplotlib import image as mimage

    from sselab.report.sections_paper import RESIDUAL_DPI

    rows = [{"quantity": f"a (Rietveld) {k}", "sample": "as-BM", "recovered": 1.0 + 0.01 * (k % 5 - 2), "truth": 1.0,
             "stderr": 0.01} for k in range(60)]
    rows[20] = {**rows[20], "quantity": "σ_el at 100 °C (AC mixed-conductor fit, cross-check with DC)", "sample": "600C-12h"}
    residual_figure(rows, tmp_path / "r.png")
    a = mimage.imread(tmp_path / "r.png")[..., :3].mean(axis=-1)
    cols = np.where((a < 0.5).any(axis=0))[0]
    edge = 0.05 * RESIDUAL_DPI  # half the padding, in pixels
    assert cols.min() >= edge and cols.max() <= a.shape[1] - 1 - edge
