"""Every technique analysable in the workbench, through the pipeline's own executors: an
uploaded XRD pattern refined with a chosen phase, an XPS depth profile fitted with a component
model, a CV analysed with defaults; results land in their views with a verdict, and the
XPS view offers region/depth selectors with the components drawn (Chromium)."""

from __future__ import annotations

import numpy as np
import pytest
from webstudy import client, wait_job

from sselab.simulate.structure import xps_manifest_model


def _import(study, path, sample, kind):
    from sselab.io import read
    from sselab.store import open_store
    from sselab.web.studydata import StudyData

    with open_store(study.db) as store:
        return StudyData(store, study.root, "demo").import_file(path, sample, read(path, kind), kind)


@pytest.fixture
def structure_study(demo_study):
    from sselab.xps.simulate import mg3asn_profile, write_vamas
    from sselab.xrd.library import mg3asn
    from sselab.xrd.simulate import simulate_pattern
    from sselab.simulate.structure import write_xy

    (demo_study.root / "xrd").mkdir()
    (demo_study.root / "xps").mkdir()
    pattern = simulate_pattern([mg3asn(4.2250)], np.arange(20.0, 90.0, 0.02), seed=4)
    xy = write_xy(demo_study.root / "xrd" / "S1.xy", pattern, "simulated Mg3AsN, a = 4.2250 Å")
    steps = mg3asn_profile(seed=2)  # one VAMAS file holding every sputter step, as the virtual study writes it
    acq = steps[0].with_meta(regions=tuple(r for a in steps for r in a.regions), source="simulated depth profile")
    vms = write_vamas(acq, demo_study.root / "xps" / "S1.vms")
    demo_study.xrd_ids = _import(demo_study, xy, "S1", "diffraction")
    demo_study.xps_ids = _import(demo_study, vms, "S1", "xps")
    return demo_study


def test_xrd_refined_with_chosen_phase_lands_in_xrd_view(structure_study):
    with client(structure_study) as c:
        mid = structure_study.xrd_ids[0]
        opt = c.get(f"/api/analyse/options/{mid}").json()
        assert opt["technique"] == "xrd" and "Mg3AsN" in opt["phases"] and "ZrO2-t" in opt["phases"]
        bad = c.post("/api/analyse", json={"measurement_id": mid, "settings": {"phases": ["Mg3AsN"], "n_background": 99}})
        assert bad.status_code == 400 and "n_background" in bad.json()["detail"]
        job = c.post("/api/analyse", json={"measurement_id": mid, "settings": {"phases": ["Mg3AsN"]}}).json()
        res = wait_job(c, job["job_id"], timeout=120)["result"]
        assert res["kind"] == "xrd_refine" and res["view"] == "#/xrd" and res["status"] in ("ok", "warning")
        refs = c.get("/api/xrd").json()["refinements"]
        assert len(refs) == 1
        phase = refs[0]["phases"][0]
        a = phase.get("a") or phase.get("a_Angstrom")
        assert a == pytest.approx(4.2250, abs=2e-3)  # the simulated cell, refined in the browser


def test_xps_profile_fitted_in_browser_with_selectors_and_components(structure_study, browser, tmp_path):  # noqa: F811
    from test_web_browser import _serve

    model = {region: comps for region, comps in xps_manifest_model().items()}
    with client(structure_study) as c:
        mid = structure_study.xps_ids[0]
        assert set(c.get(f"/api/analyse/options/{mid}").json()["regions"]) >= set(model)
        job = c.post("/api/analyse", json={"measurement_id": mid, "settings": {"model": model}}).json()
        res = wait_job(c, job["job_id"], timeout=120)["result"]
        assert res["kind"] == "xps_profile"
        view = c.get("/api/xps").json()["profiles"][0]
        n1s = next(g for g in view["regions"] if g["region"] == "N 1s")
        assert len(n1s["steps"]) >= 2 and len(n1s["steps"][0]["components"]) == len(model["N 1s"])
    srv, thread, port = _serve(structure_study)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"http://127.0.0.1:{port}/#/xps")
        page.wait_for_selector("#xps-spectrum-0 .main-svg")
        page.select_option("#xps-region-0", label="N 1s")
        page.select_option("#xps-step-0", index=1)
        page.wait_for_timeout(300)
        names = page.eval_on_selector_all("#xps-spectrum-0 .legendtext", "els => els.map(e => e.textContent)")
        comps = [c["name"] for c in model["N 1s"]]
        assert all(n in names for n in comps) and "envelope" in names and "data" in names
        assert page.locator("#xps-spectrum-0 .gtitle").text_content() == "N 1s"
        page.screenshot(path=str(tmp_path / "xps-view.png"), full_page=True)
        page.close()
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


from test_web_browser import browser  # noqa: E402,F401  (fixture)
