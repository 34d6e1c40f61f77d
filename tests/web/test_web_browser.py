"""End-to-end tests in headless Chromium (Debian's package) driven by Playwright's sync API.

The server runs in a thread (uvicorn on a free loopback port) over a small simulated study.
"""

from __future__ import annotations

import os
import re
import socket
import struct
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("SSELAB_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 30_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM} (apt-get install chromium, or set SSELAB_CHROMIUM)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _serve(study):
    import uvicorn

    from sselab.web import WorkbenchConfig, create_app

    app = create_app(WorkbenchConfig.from_target(study.db))
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("workbench server did not start")
        time.sleep(0.02)
    return srv, thread, port


@pytest.fixture
def server(demo_study):
    srv, thread, port = _serve(demo_study)
    yield f"http://127.0.0.1:{port}", demo_study
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def views_server(views_study):
    srv, thread, port = _serve(views_study)
    yield f"http://127.0.0.1:{port}", views_study
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.console_errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def _params(page) -> dict[str, float]:
    return page.eval_on_selector_all(
        "#params tbody tr", "rows => Object.fromEntries(rows.map(r => [r.dataset.param, Number(r.querySelector('.p-value').value)]))")


def test_open_fit_save_reload(server, page):
    url, study = server
    page.goto(url + "/")
    page.wait_for_selector("#study-table")
    assert page.locator("#study-table .measurement-link").count() == 3
    page.locator("#study-table tr[data-measurement='%d'] .measurement-link" % study.ids[0]).click()
    page.wait_for_selector("#nyquist .main-svg")
    page.wait_for_selector("#bode .main-svg")
    # the Nyquist plot has equal axes and its data trace drawn
    assert page.locator("#nyquist .scatterlayer .trace").count() >= 1
    shot = page.locator("#nyquist").screenshot()
    w, h = png_size(shot)
    assert w > 300 and h > 300 and len(shot) > 10_000

    # live validation: a broken circuit shows the parser's message and column
    page.wait_for_selector("#circuit-msg.ok")
    circuit = page.locator("#circuit")
    circuit.fill("R0-p(R1,CPE1")
    page.wait_for_selector("#circuit-msg.error")
    msg = page.locator("#circuit-msg").inner_text()
    assert "column 13" in msg and "expected" in msg
    assert page.locator("#fit-btn").is_disabled()
    circuit.fill(study.circuit)
    page.wait_for_selector("#circuit-msg.ok")
    page.wait_for_function("document.querySelectorAll('#params tbody tr').length === 6")
    before = _params(page)

    page.locator("#fit-btn").click()
    page.wait_for_selector("#fit-status.ok")
    after = _params(page)
    truth = study.truth[0]
    assert after["R1"] != before["R1"]
    assert after["R1"] == pytest.approx(truth["R1"], rel=0.05)
    assert after["CPE1.n"] == pytest.approx(truth["CPE1.n"], rel=0.05)
    assert "χ²" in page.locator("#fit-status").inner_text()
    page.wait_for_selector("#residuals .scatterlayer .trace")
    page.wait_for_selector("#kk-result.ok")

    page.locator("#user").fill("Ada Lovelace")
    page.locator("#save-btn").click()
    page.wait_for_selector("#save-status.ok")
    page.wait_for_selector("#saved-summary")

    page.reload()
    page.wait_for_selector("#saved-summary")
    assert page.locator("#saved-fit .accepted-by").inner_text() == "Ada Lovelace"
    saved = page.eval_on_selector_all("#saved-fit .saved-params tbody tr", "rows => rows.map(r => r.cells[0].innerText)")
    assert saved == ["R0", "R1", "CPE1.Q", "CPE1.n", "CPE2.Q", "CPE2.n"]
    # back in the study, the measurement is marked as accepted
    page.locator("a[href='#/']").first.click()
    page.wait_for_selector(f"#study-table tr[data-measurement='{study.ids[0]}'] .badge.accepted")
    assert page.console_errors == []


def test_upload_malformed_and_good_files(server, page, tmp_path):
    url, study = server
    page.goto(url + "/")
    page.wait_for_selector("#dropzone")
    # a malformed file dropped on the zone (a real drop event with a DataTransfer)
    handle = page.evaluate_handle("""() => {
        const dt = new DataTransfer();
        dt.items.add(new File(["frequency (Hz),Re(Z) (Ohm),-Im(Z) (Ohm)\\n1000,abc,def\\n"], "broken.csv", {type: "text/csv"}));
        return dt; }""")
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": handle})
    page.wait_for_selector("#upload-msg.error")
    text = page.locator("#upload-msg").inner_text()
    assert text.startswith("error: broken.csv: ") and len(text.splitlines()) == 1
    # a good file through the file chooser appears in the study table
    from sselab.eis import simulate_spectrum
    from sselab.io.writers import write_spectrum_csv

    good = tmp_path / "fresh.csv"
    write_spectrum_csv(good, simulate_spectrum("R0-p(R1,C1)", {"R0": 1.0, "R1": 10.0, "C1": 1e-6}, [1e5, 1e4, 1e3, 1e2, 10.0]))
    page.locator("#upload-sample").fill("S9")
    page.locator("#file-input").set_input_files(str(good))
    page.wait_for_selector("#study-table a:text('uploads/S9/fresh.csv')")
    assert re.search(r"uploads/S9/fresh\.csv: 1 spectrum", page.locator("#upload-msg").inner_text())
    # console errors: the 400 of the malformed upload is reported by Chromium as a failed resource load
    assert [e for e in page.console_errors if "400" not in e] == []


def test_transport_view_and_exports(server, page):
    url, study = server
    study.add_transport()
    page.goto(url + "/#/transport")
    page.wait_for_selector("#arrhenius .main-svg")
    legend = page.eval_on_selector_all("#arrhenius .legendtext", "els => els.map(e => e.textContent)")
    assert sorted(legend) == ["HP", "asBM"]
    assert "0.35" in page.locator("#ea-list").inner_text() and "0.45" in page.locator("#ea-list").inner_text()
    # Plotly's toImage works offline, as PNG and SVG
    png = page.evaluate("() => Plotly.toImage(document.getElementById('arrhenius'), {format: 'png', width: 600, height: 400})")
    svg = page.evaluate("() => Plotly.toImage(document.getElementById('arrhenius'), {format: 'svg', width: 600, height: 400})")
    assert png.startswith("data:image/png;base64,") and len(png) > 5_000
    assert svg.startswith("data:image/svg+xml") and "HP" in __import__("urllib.parse").parse.unquote(svg)
    with page.expect_download() as dl:
        page.locator("#arrhenius + .row .export-svg").click()
    assert dl.value.suggested_filename == "arrhenius.svg"
    with page.expect_download() as dl:
        page.locator("#export-transport").click()
    csv = Path(dl.value.path()).read_text()
    assert csv.startswith("analysis_id,sample") and "Ea_eV" in csv
    assert page.console_errors == []


def _traces(page, selector: str) -> int:
    return page.locator(f"{selector} .scatterlayer .trace").count()


def _shot_ok(page, selector: str) -> None:
    w, h = png_size(page.locator(selector).screenshot())
    assert w > 300 and h > 300


def test_transport_cycling_xrd_xps_and_drt_views(views_server, page):
    from webstudy import CYCLING_TRUTH, DC_TRUTH, XPS_PROFILE

    url, study = views_server
    # transport: no Arrhenius data here, but the CA curves (one per voltage) and the I–V line
    page.goto(url + "/#/transport")
    page.wait_for_selector("#ca-plot .main-svg")
    page.wait_for_selector("#transport-empty")
    assert _traces(page, "#ca-plot") == len(DC_TRUTH["voltages_V"])
    assert _traces(page, "#iv-plot") == 2  # points and fitted line
    assert page.locator("#dc-table tbody tr").count() == len(DC_TRUTH["voltages_V"])
    _shot_ok(page, "#ca-plot")
    with page.expect_download() as dl:
        page.locator("#iv-table + .row .csv-button").click()
    assert Path(dl.value.path()).read_text().startswith("analysis_id,sample,voltage_V,current_A")
    # cycling: V(t), overpotential per cycle, CV
    page.locator("#nav-cycling").click()
    page.wait_for_selector("#cycling-v-0 .main-svg")
    page.wait_for_selector("#cv-0 .main-svg")
    assert _traces(page, "#cycling-eta-0") == 3
    assert page.locator("#cycling-table-0 tbody tr").count() == CYCLING_TRUTH["n_cycles"]
    first_eta = page.locator("#cycling-table-0 tbody tr").first.locator("td").nth(2).inner_text()
    assert float(first_eta) == pytest.approx(CYCLING_TRUTH["eta_plating_V"], abs=1e-3)
    assert page.locator("#cv-table-0 tbody tr").count() == 2
    _shot_ok(page, "#cycling-v-0")
    with page.expect_download() as dl:
        page.locator("#cycling-eta-0 + .export-row .export-svg").click()
    assert dl.value.suggested_filename.endswith(".svg")
    # XRD: observed, calculated, difference; phases table
    page.locator("#nav-xrd").click()
    page.wait_for_selector("#xrd-0 .main-svg")
    assert _traces(page, "#xrd-0") == 3 + 2  # observed, calculated, difference, one tick row per phase
    assert page.eval_on_selector_all("#xrd-phases-0 tbody tr", "rs => rs.map(r => r.cells[0].innerText)") == ["Mg3AsN", "MgO"]
    assert "Rwp = 7.2" in page.locator(".xrd-stats").inner_text()
    _shot_ok(page, "#xrd-0")
    # XPS: atomic % per step and the fitted spectrum
    page.locator("#nav-xps").click()
    page.wait_for_selector("#xps-profile-0 .main-svg")
    page.wait_for_selector("#xps-spectrum-0 .main-svg")
    assert _traces(page, "#xps-profile-0") == len(XPS_PROFILE)
    # DRT of a spectrum, computed as a job with its progress, then γ(τ) and the peaks table
    page.goto(url + f"/#/m/{study.ids[0]}")
    page.wait_for_selector("#nyquist .main-svg")
    page.locator("#drt-btn").click()
    # the job's end, either way (a failure then says why); a loaded CI machine once took > 30 s
    # for the first DRT of the process (imports included), so the wait allows 90 s
    page.wait_for_selector("#drt-status.ok, #drt-status.error", timeout=90_000)
    assert "ok" in page.get_attribute("#drt-status", "class"), page.locator("#drt-status").inner_text()
    page.wait_for_selector("#drt-plot .main-svg")
    assert page.locator("#drt-peaks tbody tr").count() >= 1
    assert _traces(page, "#drt-plot") >= 2
    assert page.console_errors == []
