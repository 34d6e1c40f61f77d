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


def test_self_contained_with_tables(report):
    text = report.read_text(encoding="utf-8")
    assert not re.search(r"(src|href)=['\"]https?:", text)
    assert text.count("data:image/png;base64,") >= 9
    tables = report.parent / "tables"
    transport = (tables / "transport.csv").read_text()
    assert "as-BM" in transport and "600C-12h" in transport
    assert (report.parent / "figures" / "arrhenius_as-BM.svg").exists()
    assert "INCONSISTENT" in text


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
    assert len(widths) >= 9 and all(w > 0 for w in widths)
    assert errors == []
