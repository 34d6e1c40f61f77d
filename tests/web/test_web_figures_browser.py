"""What a person sees on the EIS page, checked in headless Chromium: equal Nyquist scales,
regular phase ticks that hold the peak, a page that fits 1280 px, the page opening on the
stored fit with the curve of its parameters on every reload, and the time to interactive.
Screenshots go to ``$SSELAB_SCREENSHOTS`` (default: the test's tmp folder)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.browser

from test_web_browser import browser, server  # noqa: E402,F401  (fixtures)


@pytest.fixture
def page1280(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.console_errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()


def _shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("SSELAB_SCREENSHOTS", tmp_path / "screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    return out


def _accept(url: str, mid: int, circuit: str, values: dict[str, float]) -> None:
    import httpx

    fit = {"circuit": circuit, "weighting": "modulus", "chi2": 0.01,
           "parameters": {k: {"value": v, "stderr": 0.01 * v, "unit": ""} for k, v in values.items()}}
    r = httpx.post(f"{url}/api/results/{mid}/accept", json={"user": "Grace Hopper", "fit": fit})
    assert r.status_code == 200, r.text


def _model_trace(page) -> tuple[list[float], list[float]]:
    return page.evaluate("""() => {
        const t = document.getElementById('nyquist').data.find(d => d.mode === 'lines');
        return t ? [t.x, t.y] : [[], []]; }""")


def test_eis_page_opens_on_stored_fit_every_reload(server, page1280, tmp_path):  # noqa: F811
    url, study = server
    mid = study.ids[0]
    truth = study.truth[0]
    _accept(url, mid, study.circuit, truth)
    from sselab.eis.circuit import Circuit

    expected = None
    for k in range(5):  # the race: an automatic-start preview must never overwrite the saved curve
        page1280.goto(f"{url}/#/m/{mid}")
        page1280.wait_for_selector("#fit-status[data-status]")
        page1280.wait_for_function("document.getElementById('nyquist').data && "
                                   "document.getElementById('nyquist').data.some(d => d.mode === 'lines')")
        page1280.wait_for_timeout(300)
        x, y = _model_trace(page1280)
        if expected is None:
            z = Circuit(study.circuit).impedance(np.logspace(6, -1, 200), truth)
            expected = (z.real.min(), z.real.max(), (-z.imag).max())
        assert min(x) == pytest.approx(expected[0], rel=0.05) and max(x) == pytest.approx(expected[1], rel=0.05)
        assert max(y) == pytest.approx(expected[2], rel=0.05)
        assert page1280.locator("#circuit").input_value() == study.circuit
        assert "accepted fit" in page1280.locator("#fit-status").inner_text()
    page1280.screenshot(path=str(_shots(tmp_path) / "eis-page.png"), full_page=True)
    assert page1280.console_errors == []


def test_eis_page_axes_and_width(server, page1280, tmp_path):  # noqa: F811
    url, study = server
    page1280.goto(f"{url}/#/m/{study.ids[0]}")
    page1280.wait_for_selector("#bode .main-svg")
    page1280.wait_for_selector("#nyquist .main-svg")
    assert page1280.evaluate("document.documentElement.scrollWidth") <= 1280
    # equal Ω per pixel on both Nyquist axes
    ratio = page1280.evaluate("""() => { const L = document.getElementById('nyquist')._fullLayout;
        const xr = L.xaxis.range, yr = L.yaxis.range;
        return ((xr[1] - xr[0]) / L.xaxis._length) / ((yr[1] - yr[0]) / L.yaxis._length); }""")
    assert ratio == pytest.approx(1.0, rel=0.02)
    # −phase: linear axis, evenly spaced ticks at multiples of 15°, the peak inside the range
    ticks = page1280.eval_on_selector_all("#bode .y2tick text", "els => els.map(e => Number(e.textContent))")
    assert len(ticks) >= 3 and all(t % 15 == 0 for t in ticks) and len(set(np.diff(ticks))) == 1
    top, peak = page1280.evaluate("""() => { const g = document.getElementById('bode');
        const ph = g.data.filter(d => d.yaxis === 'y2').flatMap(d => d.y);
        return [g._fullLayout.yaxis2.range[1], Math.max(...ph)]; }""")
    assert top > peak
    page1280.locator("#bode").screenshot(path=str(_shots(tmp_path) / "bode.png"))


def test_eis_page_time_to_interactive(server, page1280):  # noqa: F811
    url, study = server
    page1280.goto(f"{url}/#/m/{study.ids[0]}")  # first visit fills the browser cache (plotly.min.js)
    page1280.wait_for_selector("#nyquist .main-svg")
    page1280.goto(f"{url}/")
    page1280.wait_for_selector("#study-table")
    t0 = time.perf_counter()
    page1280.goto(f"{url}/#/m/{study.ids[1]}")
    page1280.wait_for_selector("#nyquist .main-svg")
    page1280.wait_for_selector("#circuit-msg.ok")
    elapsed = time.perf_counter() - t0
    # a loose bound here (the CI machine is shared); the measured value is printed for the record
    print(f"EIS page time to interactive: {elapsed:.2f} s")
    assert elapsed < 3.0
