"""The report: self-contained HTML built from the store only, checked in headless Chromium."""

import json
import os
import re
import shutil

import pytest

from sselab.report import write_report
from sselab.simulate.virtual_study import write_virtual_study
from sselab.study.pipeline import run_study

CHROMIUM = os.environ.get("SSELAB_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    manifest = write_virtual_study(root / "study", seed=4)
    db = root / "r.sqlite"
    run_study(manifest, db)
    shutil.rmtree(root / "study")  # the report must need only the store
    truth = json.loads("{}")
    return write_report(db, root / "out", study="Mg3AsN-virtual", truth=truth)


def test_figures_once_as_svg_by_default_png_on_request(report, tmp_path):
    figs = report.parent / "figures"
    assert sorted({p.suffix for p in figs.iterdir()}) == [".svg"]
    text = report.read_text(encoding="utf-8")
    assert "data:image/png" not in text
    assert text.count("data:image/svg+xml;base64,") == len(list(figs.iterdir()))
    both = write_report(report.parent.parent / "r.sqlite", tmp_path / "both", study="Mg3AsN-virtual",
                        figure_formats=("png", "svg"))
    files = list((both.parent / "figures").iterdir())
    assert {p.suffix for p in files} == {".png", ".svg"} and len(files) == 2 * len(list(figs.iterdir()))
    assert both.read_text(encoding="utf-8").count("data:image/png;base64,") == len(files) // 2
    with pytest.raises(ValueError):
        write_report(report.parent.parent / "r.sqlite", tmp_path / "x", figure_formats=("jpg",))


def _strip_ids(svg: str) -> str:
    """An SVG without what differs between two renderings of one figure (date, random ids)."""
    svg = re.sub(r"<dc:date>[^<]*</dc:date>", "", svg)
    return re.sub(r'(id|xlink:href|clip-path)="[^"]*"', "", svg)


def test_figures_rendered_by_a_pool_are_the_same_figures(report, tmp_path, monkeypatch):
    # Pooled here, in a process that has already drawn every figure (the fixture's serial
    # report): the workers are forked from that state.  Before the unpickled figures' transform
    # registries were re-keyed (figpool._rekey_transform_parents), a few lines kept a stale clip box.
    # The store hands the analyses back in reverse (with `sselab run --jobs N` its order is the
    # order the tasks finished in): same figures, same names (sem_layers_as-BM_0, ...).
    import contextlib

    from sselab.report import html as report_html

    real = report_html.open_store

    @contextlib.contextmanager
    def reversed_store(db):
        with real(db) as store:
            analyses = store.analyses
            monkeypatch.setattr(store, "analyses", lambda **kw: analyses(**kw)[::-1])
            yield store

    monkeypatch.setattr(report_html, "open_store", reversed_store)
    pooled = write_report(report.parent.parent / "r.sqlite", tmp_path / "pool", study="Mg3AsN-virtual", truth={}, jobs=2)
    mine, theirs = report.parent / "figures", pooled.parent / "figures"
    names = sorted(p.name for p in mine.iterdir())
    assert names and names == sorted(p.name for p in theirs.iterdir())
    for name in names:
        assert _strip_ids((mine / name).read_text()) == _strip_ids((theirs / name).read_text()), name
    text = pooled.read_text(encoding="utf-8")
    assert "\x00" not in text and text.count("data:image/svg+xml;base64,") == len(names)


def test_each_figure_embedded_where_its_name_is(report):
    # the page's figure tokens are replaced in one pass (html._Figures.finish): each <img> holds
    # the SVG file of its own name, every figure once, in the order the report drew them
    import base64

    text = report.read_text(encoding="utf-8")
    found = re.findall(r'<img alt="([^"]+)" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)">', text)
    figs = report.parent / "figures"
    assert len(found) == len(list(figs.iterdir())) > 20
    assert len({name for name, _ in found}) == len(found)
    for name, b64 in found:
        assert base64.b64decode(b64) == (figs / f"{name}.svg").read_bytes(), name
    assert [n for n, _ in found].index("arrhenius") < [n for n, _ in found].index("williamson_hall")


def test_self_contained_with_tables(report):
    text = report.read_text(encoding="utf-8")
    assert not re.search(r"(src|href)=['\"]https?:", text)
    assert text.count("data:image/svg+xml;base64,") >= 9  # vector figures embedded
    tables = report.parent / "tables"
    transport = (tables / "transport.csv").read_text()
    assert "as-BM" in transport and "600C-12h" in transport
    assert (report.parent / "figures" / "arrhenius.svg").exists()  # one overlay of all samples
    assert "INCONSISTENT" in text


def test_structure_table_and_figures(report):
    import pandas as pd

    st = pd.read_csv(report.parent / "tables" / "structure.csv")
    assert sorted(st["sample"]) == sorted(["as-BM", "500C-12h", "600C-12h", "700C-12h", "800C-12h"])
    assert st.loc[st["sample"] == "800C-12h", "phase"].item() == "Mg3As2"  # decomposed
    milled = st[st["sample"] == "as-BM"].iloc[0]
    assert milled["a_Angstrom"] == pytest.approx(4.2307, abs=1e-3) and "ZrO2-t" in milled["other_phases"]
    # X-ray density from the refined cell by hand: rho = M / (N_A a^3), M = 161.84 g/mol
    assert milled["density_g_per_cm3"] == pytest.approx(161.84 / (6.02214076e23 * (milled["a_Angstrom"] * 1e-8) ** 3), rel=2e-4)
    pva = pd.read_csv(report.parent / "tables" / "paper_vs_analysis.csv")
    a_row = pva[pva["quantity"] == "a (Rietveld)"].iloc[0]
    assert a_row["paper"] == 4.2307 and a_row["this_analysis"] == pytest.approx(4.2307, abs=1e-3)
    figs = report.parent / "figures"
    for name in ("xrd_as-BM", "xrd_800C-12h", "xps_profile_as-BM_0", "xps_surface_as-BM_0"):
        assert (figs / f"{name}.svg").stat().st_size > 10_000 and not (figs / f"{name}.png").exists()
    text = report.read_text(encoding="utf-8")
    assert "Rietveld refinement, as-BM" in text and "XPS depth profile" in text
    assert (figs / "williamson_hall.svg").stat().st_size > 10_000 and "Williamson–Hall plots" in text


def test_analyses_around_transport_listed_with_their_numbers(report):
    text = report.read_text(encoding="utf-8")
    assert "Stack comparison, series, ageing, transference number, CCD" in text
    assert "as-BM — stacks: ionic conductor" in text
    t_plus = re.search(r"SE-polymer — bruce_vincent: t\+ = (0\.\d+)\((\d+)\)", text)
    assert t_plus and abs(float(t_plus.group(1)) - 0.60) < 0.05  # the simulated t+ 0.60
    assert "SE-polymer — ccd: CCD = 0.02 mA/cm²" in text  # the simulated truth (short at 0.05)
    figs = report.parent / "figures"
    assert (figs / "ageing_SE-polymer.svg").exists() and (figs / "ccd_SE-polymer.svg").exists()


def test_renders_in_headless_chromium(report):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (set SSELAB_CHROMIUM)")
    sync_api = pytest.importorskip("playwright.sync_api")
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(report.as_uri())
        widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
        browser.close()
    assert len(widths) >= 16 and all(w > 0 for w in widths)
    assert errors == []


def test_consistency_agreements_are_not_drawn_as_disagreements(report):
    """The virtual study: σ_el AC vs DC agree (green), t_ion DC vs conductivities disagree (red)."""
    import re

    text = report.read_text(encoding="utf-8")
    section = text[text.index("<h2>Consistency checks</h2>"):]
    section = section[:section.index("</ul>")]
    items = re.findall(r'<li class="(\w+)">([^<]*)</li>', section)
    assert items and all((cls == "bad") == ("INCONSISTENT" in msg) for cls, msg in items)
    assert {"ok", "bad"} <= {cls for cls, _ in items}


def test_a_failing_report_stops_the_figure_pool_it_started(report, tmp_path, monkeypatch):
    """An error after figures were sent to the pool (here: the consistency list) stops the pool
    the report started, instead of leaving its workers rendering until the program exits."""
    from sselab.report import figpool, html as report_html

    closed = []
    real_close = figpool.FigurePool.close

    def close(self, cancel=False):
        closed.append(cancel)
        real_close(self, cancel)

    monkeypatch.setattr(figpool.FigurePool, "close", close)
    monkeypatch.setattr(report_html, "_verdict_html", lambda rows: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError, match="boom"):
        write_report(report.parent.parent / "r.sqlite", tmp_path / "broken", study="Mg3AsN-virtual", truth={}, jobs=2)
    assert closed == [True]
