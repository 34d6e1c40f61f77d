"""Leaving points out on the EIS page, checked in headless Chromium: a box selection drawn with
the mouse on the Nyquist plot and a frequency crop make those points hollow; the refit leaves
out exactly those indices (the server's :func:`sselab.eis.mask.select`, as ``eis fit --mask``)
and gives the CLI's numbers; the accepted fit records the mask and the page reopens on it.
Screenshots go to ``$SSELAB_SCREENSHOTS`` (default: the test's tmp folder)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.browser

from test_web_browser import browser, server  # noqa: E402,F401  (fixtures)

#: page coordinates of every data point of the Nyquist plot by its index in the file (Plotly's own axis mapping)
PIXELS = """() => { const el = document.getElementById('nyquist'), L = el._fullLayout, r = el.getBoundingClientRect();
    const out = [];
    for (const d of el.data.filter(t => t.customdata)) d.customdata.forEach((i, k) =>
        out[i] = [r.left + L.xaxis._offset + L.xaxis.l2p(d.x[k]), r.top + L.yaxis._offset + L.yaxis.l2p(d.y[k])]);
    return out; }"""
#: the points drawn hollow on a plot (markers of an open symbol)
HOLLOW = """() => document.getElementById('nyquist').data.filter(d => d.customdata && d.marker.symbol.endsWith('-open'))
    .reduce((n, d) => n + d.x.length, 0)"""
BODE_HOLLOW = HOLLOW.replace("'nyquist'", "'bode'")


def _shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("SSELAB_SCREENSHOTS", tmp_path / "screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    return out


def test_box_select_and_crop_mask_points_refit_equals_cli(server, browser, tmp_path, cli):  # noqa: F811
    url, study = server
    mid = study.ids[0]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{url}/#/m/{mid}")
    page.wait_for_selector("#nyquist .main-svg")
    page.wait_for_selector("#circuit-msg.ok")
    # the opening preview (model curve of the start values) redraws the plot: wait for it, so that
    # it cannot land in the middle of the mouse drag below
    page.wait_for_function("document.getElementById('nyquist').data.some(d => d.mode === 'lines')")
    page.wait_for_timeout(300)
    assert page.evaluate(HOLLOW) == 0

    # box select (the toolbar's tool) dragged with the mouse around points 34-36 (the electrode tail; the bulk arc is a dot at this scale)
    page.locator('#nyquist .modebar-btn[data-val="select"]').click()
    px = page.evaluate(PIXELS)
    box = [px[i] for i in (34, 35, 36)]
    x0, x1 = min(x for x, _ in box) - 4, max(x for x, _ in box) + 4
    y0, y1 = min(y for _, y in box) - 4, max(y for _, y in box) + 4
    inside = [i for i, (x, y) in enumerate(px) if x0 < x < x1 and y0 < y < y1]  # what the box holds
    assert inside == [34, 35, 36], inside
    page.mouse.move(x0, y0)
    page.mouse.down()
    for k in range(1, 11):
        page.mouse.move(x0 + (x1 - x0) * k / 10, y0 + (y1 - y0) * k / 10)
    page.mouse.up()
    page.wait_for_function(f"({HOLLOW})() === {len(inside)}")
    assert page.evaluate("document.getElementById('nyquist').layout.dragmode") == "select"  # the tool stays chosen
    assert page.locator("#mask-info").get_attribute("data-hollow") == str(len(inside))

    # and a crop: leave out everything above 100 kHz
    freq = page.evaluate("() => { const d = document.getElementById('bode').data.filter(t => t.name.startsWith('|Z|') && t.customdata);"
                         " const f = []; d.forEach(t => t.customdata.forEach((i, k) => f[i] = t.x[k])); return f; }")
    page.fill("#fmax", "1e5")
    page.dispatch_event("#fmax", "change")
    cropped = [i for i, f in enumerate(freq) if f > 1e5]
    expected = sorted(set(inside) | set(cropped))
    assert cropped and page.evaluate(HOLLOW) == len(expected)
    assert page.evaluate(BODE_HOLLOW) == 2 * len(expected)  # |Z| and −phase

    page.click("#fit-btn")
    page.wait_for_selector("#fit-status[data-masked]")
    masked = [int(i) for i in page.locator("#fit-status").get_attribute("data-masked").split(",")]
    assert masked == expected
    assert f"{len(expected)} of {len(freq)} points masked" in page.locator("#fit-status").inner_text()
    page.screenshot(path=str(_shots(tmp_path) / "eis-point-selection.png"), full_page=True)

    # the same numbers as the CLI on the same file with the same points left out
    m = httpx.get(f"{url}/api/measurements/{mid}").json()
    circuit = page.locator("#circuit").input_value()
    names = page.evaluate("() => [...document.querySelectorAll('#params tr[data-param]')].map(r => r.dataset.param)")
    web = {name: float(page.locator(f'tr[data-param="{name}"] .p-value').input_value()) for name in names}
    rc, out, err = cli("eis", "fit", study.root / m["path"], "--circuit", circuit, "--fmax", "1e5",
                       "--mask", ",".join(map(str, inside)), "--json")
    assert rc in (0, 3) and out, (m["path"], err)
    d = json.loads(out)
    assert [p["index"] for p in d["mask"]["masked"]] == expected
    assert sorted(names) == sorted(d["parameters"])
    for name, p in d["parameters"].items():
        assert web[name] == pytest.approx(p["value"], rel=1e-5), name  # the table shows 7 significant digits

    # accepted: the mask is recorded with the fit, and the page reopens with the same hollow points
    page.fill("#user", "Ada Lovelace")
    page.click("#save-btn")
    page.wait_for_selector("#save-status.ok")
    page.wait_for_selector("#saved-mask")
    assert page.locator("#saved-mask").inner_text().endswith("points " + ",".join(map(str, expected)))
    acc = httpx.get(f"{url}/api/measurements/{mid}").json()["accepted_fit"]["result"]["mask"]
    assert [p["index"] for p in acc["masked"]] == expected and acc["settings"]["f_max_Hz"] == 1e5
    # the DRT of the page goes with the same points left out, and draws its (bias-aware) band
    with page.expect_request("**/api/drt") as req:
        page.click("#drt-btn")
    sent = req.value.post_data_json
    assert sent["mask"] == inside and sent["f_max_Hz"] == 1e5 and sent["band"] == "auto"
    page.wait_for_selector("#drt-plot .main-svg")
    assert "95 % bias-aware band" in page.evaluate("() => document.getElementById('drt-plot').data.map(d => d.name)")
    page.reload()
    page.wait_for_selector("#fit-status[data-status]")
    page.wait_for_function(f"({HOLLOW})() === {len(expected)}")
    assert page.input_value("#fmax") == "100000"
    page.click("#mask-clear")
    assert page.evaluate(HOLLOW) == 0
    # a click on one point leaves it out, a second click takes it back
    page.wait_for_timeout(300)
    x, y = page.evaluate(PIXELS)[38]
    page.mouse.click(x, y)
    page.wait_for_function(f"({HOLLOW})() === 1")
    assert page.locator("#mask-info").inner_text().startswith("1 of 40 points left out; masked by hand: 38")
    page.wait_for_timeout(500)  # two clicks within Plotly's double-click delay (300 ms) would be a double-click
    x, y = page.evaluate(PIXELS)[38]
    page.mouse.click(x, y)
    page.wait_for_function(f"({HOLLOW})() === 0")
    assert errors == []
    context.close()
