"""The SEM view as a person sees it, in headless Chromium: the micrograph with its pixel size,
the stored analysis's headline numbers with units (d50 in µm, pore fraction in %), and the
report's figures of it (segmentation overlay, size distribution, pores) loaded as images.
Truth: the virtual study's micrographs (known d50, known porosity).  Screenshots go to
``$SSELAB_SCREENSHOTS`` (default: the test's tmp folder)."""

from __future__ import annotations

import re

import pytest
from webstudy import wait_job

from sselab.simulate.microscopy import write_microscopy

pytestmark = pytest.mark.browser

from test_web_browser import browser, server  # noqa: E402,F401  (fixtures)
from test_web_figures_browser import _shots, page1280  # noqa: E402,F401  (fixtures)


def _upload_and_analyse(url: str, path, sample: str, analysis: str) -> int:
    import httpx

    with httpx.Client(base_url=url, timeout=60) as c:
        r = c.post("/api/upload", files={"file": (path.name, path.read_bytes(), "application/octet-stream")},
                   data={"sample": sample})
        assert r.status_code == 200, r.text
        mid = r.json()["measurements"][0]["id"]
        job = c.post("/api/analyse", json={"measurement_id": mid, "settings": {"analysis": analysis}}).json()
        assert wait_job(c, job["job_id"], timeout=120)["status"] == "done"
        return mid


def _loaded(page, selector: str) -> tuple[int, int]:
    page.wait_for_function(f"document.querySelector('{selector}') && document.querySelector('{selector}').complete "
                           f"&& document.querySelector('{selector}').naturalWidth > 0")
    return page.evaluate(f"[document.querySelector('{selector}').naturalWidth, "
                         f"document.querySelector('{selector}').naturalHeight]")


def test_sem_page_shows_analysis_figures_and_units(server, page1280, tmp_path):  # noqa: F811
    url, study = server
    root = tmp_path / "files"
    truth = write_microscopy(root, seed=0)
    mid = _upload_and_analyse(url, root / truth["sem_particles"]["file"], "as-BM", "particles")
    page = page1280
    page.goto(f"{url}/#/m/{mid}")
    page.wait_for_selector("#sem-d50")
    pixel = page.locator("#sem-pixel").inner_text()
    assert "1024 × 768 px" in pixel and re.search(r"pixel 15(\.0+)? nm", pixel), pixel
    d50 = page.locator("#sem-d50").inner_text()
    m = re.fullmatch(r"d50 ([0-9.]+) µm", d50)
    assert m and float(m.group(1)) == pytest.approx(truth["sem_particles"]["d50_um"], rel=0.05), d50
    assert re.search(r"d10 [0-9.]+ µm, d50 [0-9.]+ µm, d90 [0-9.]+ µm", page.locator("#sem-result").inner_text())
    w, h = _loaded(page, "#sem-overlay")
    assert h / w == pytest.approx(768 / 1024, rel=0.15)  # the micrograph's shape (plus a title line)
    w2, h2 = _loaded(page, "#sem-sizes")
    assert w2 > 300 and h2 > 200
    shown = page.evaluate("""() => ['#sem-overlay', '#sem-sizes'].map(s => {
        const r = document.querySelector(s).getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })""")
    (x1, y1, ww1, _), (x2, y2, ww2, _) = shown
    assert y1 == pytest.approx(y2, abs=2) and x2 >= x1 + ww1 - 1 and ww1 > 300  # side by side, readable
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.screenshot(path=str(_shots(tmp_path) / "sem-particles.png"), full_page=True)

    pid = _upload_and_analyse(url, root / truth["sem_pellets"]["600C-12h"]["file"], "as-BM", "porosity")
    page.goto(f"{url}/#/m/{pid}")
    page.wait_for_selector("#sem-pores")
    text = page.locator("#sem-result").inner_text()
    m = re.search(r"pore area fraction ([0-9.]+) ± ([0-9.]+) %, compactness ([0-9.]+) ± [0-9.]+ %", text)
    assert m and 0 < float(m.group(2)) < 5, text
    assert float(m.group(1)) == pytest.approx(100 * truth["sem_pellets"]["600C-12h"]["pore_area_fraction"], abs=0.5)
    assert len(m.group(1).partition(".")[2]) == len(m.group(2).partition(".")[2])  # value to the digits of its ±
    assert float(m.group(1)) + float(m.group(3)) == pytest.approx(100, abs=0.2)
    w, h = _loaded(page, "#sem-pores")
    assert w > 300 and "pixel 50 nm" in page.locator("#sem-pixel").inner_text()
    # the form starts on the stored analysis (its options may arrive after the analysis: wait for the form)
    page.wait_for_function("document.querySelector('#an-sem') && document.querySelector('#an-sem').value === 'porosity'",
                           timeout=15_000)
    assert page.evaluate("document.querySelector('#sem-image').closest('details').open") is False  # folded away
    page.screenshot(path=str(_shots(tmp_path) / "sem-porosity.png"), full_page=True)
    assert page.console_errors == []
