"""API tests of the DRT job, job progress, and the DC / cycling / CV / XRD / XPS views and their CSVs."""

from __future__ import annotations

import csv
import io
import threading
import time

import numpy as np
import pytest

from webstudy import CV_TRUTH, CYCLING_TRUTH, DC_TRUTH, XPS_PROFILE, XRD_PHASES, XRD_STATS, XRD_TICKS, client, wait_job


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# -- jobs: progress ----------------------------------------------------------------------------------
def test_job_progress_percent_follows_the_stages(demo_study):
    from sselab.web.jobs import Stages

    gates = [threading.Event() for _ in range(3)]

    def work(progress):
        stages = Stages(progress, ["read", "solve", "draw"])
        for gate in gates:
            stages.next()
            gate.wait(20)
        return "ok"

    with client(demo_study) as c:
        job = c.app.state.workbench.jobs.submit("test", work)
        seen = []
        for k, gate in enumerate(gates):
            deadline = time.monotonic() + 10
            while (state := c.get(f"/api/jobs/{job.id}").json())["progress"] != f"{k + 1}/3 {['read', 'solve', 'draw'][k]}":
                assert time.monotonic() < deadline, state
                time.sleep(0.01)
            seen.append(state["progress_percent"])
            gate.set()
        done = wait_job(c, job.id)
        assert seen == pytest.approx([0.0, 100 / 3, 200 / 3], abs=0.05)
        assert done["progress_percent"] == 100.0 and done["result"] == "ok"


def test_fit_job_reports_its_stages(demo_study):
    with client(demo_study) as c:
        job_id = c.post("/api/fit", json={"measurement_id": demo_study.ids[0], "circuit": demo_study.circuit}).json()["job_id"]
        progress = set()
        while (job := c.get(f"/api/jobs/{job_id}").json())["status"] not in ("done", "error"):
            progress.add((job["progress"].split(":")[0], job["progress_percent"]))
            time.sleep(0.005)
        assert job["status"] == "done" and job["progress_percent"] == 100.0
        assert progress <= {("queued", 0.0), ("running", 0.0), ("1/2 least squares", 0.0),
                            ("2/2 model curve and residuals", 50.0)}


# -- DRT -------------------------------------------------------------------------------------------
def test_drt_job_finds_the_two_simulated_processes(demo_study):
    from sselab.eis import simulate_spectrum
    from sselab.io import read
    from sselab.io.writers import write_spectrum_csv
    from sselab.store import open_store
    from sselab.web.studydata import StudyData

    truth = {"R0": 20.0, "R1": 1000.0, "C1": 1e-8, "R2": 3000.0, "C2": 1e-5}  # τ1 = 1e-5 s, τ2 = 3e-2 s
    s = simulate_spectrum("R0-p(R1,C1)-p(R2,C2)", truth, np.logspace(6, -1, 71), noise=0.001, seed=4)
    path = demo_study.root / "eis" / "two_arcs.csv"
    write_spectrum_csv(path, s)
    with open_store(demo_study.db) as store:
        (mid,) = StudyData(store, demo_study.root, "demo").import_file(path, "HP", read(path, "spectrum"), "spectrum")
    with client(demo_study) as c:
        r = c.post("/api/drt", json={"measurement_id": mid})
        assert r.status_code == 202
        job = wait_job(c, r.json()["job_id"])
        assert job["status"] == "done", job["error"]
        assert job["progress_percent"] == 100.0
        d = job["result"]["drt"]
        peaks = sorted(d["peaks"], key=lambda p: p["tau_s"])
        assert len(peaks) == 2
        for p, (r_ohm, tau) in zip(peaks, ((1000.0, 1e-5), (3000.0, 3e-2))):
            assert p["R_ohm"] == pytest.approx(r_ohm, rel=0.05)
            assert p["tau_s"] == pytest.approx(tau, rel=0.15)
        assert d["R_inf_ohm"] == pytest.approx(20.0, abs=3.0)
        assert len(d["tau_s"]) == len(d["gamma_ohm"]) > 50
        z = np.array(job["result"]["predicted"]["z_real_ohm"])
        assert np.allclose(z, s.impedance_ohm.real, rtol=0.02, atol=5.0)
        # CSV exports of the peaks table and of γ(τ)
        peak_rows = rows(c.get(f"/api/export/drt/{job['id']}.csv").text)
        assert [float(p["R_ohm"]) for p in peak_rows] == pytest.approx([p["R_ohm"] for p in d["peaks"]])
        gamma = rows(c.get(f"/api/export/drt/{job['id']}/gamma.csv").text)
        assert len(gamma) == len(d["tau_s"]) and float(gamma[0]["tau_s"]) == pytest.approx(d["tau_s"][0])
        # bad requests: unknown measurement, non-spectrum, bad settings, unknown job
        assert c.post("/api/drt", json={"measurement_id": 99999}).status_code == 404
        assert c.post("/api/drt", json={"measurement_id": mid, "method": "magic"}).status_code == 422
        assert c.post("/api/drt", json={"measurement_id": mid, "bootstrap": 10_000}).status_code == 422
        assert c.get("/api/export/drt/nope.csv").status_code == 404


# -- DC, cycling, CV ---------------------------------------------------------------------------------
def test_dc_view_has_transients_and_the_iv_line(views_study):
    dc = DC_TRUTH
    t_ion = dc["sigma_ion_S_per_cm"] / (dc["sigma_ion_S_per_cm"] + dc["sigma_el_S_per_cm"])
    r_el = (dc["thickness_m"] * 100) / (dc["sigma_el_S_per_cm"] * dc["area_m2"] * 1e4)
    with client(views_study) as c:
        view = c.get("/api/dc").json()
        tr = view["transients"]
        assert [t["voltage_V"] for t in tr] == list(dc["voltages_V"])
        for t in tr:
            assert t["sample"] == "HP" and t["t_ion"] == pytest.approx(t_ion, rel=0.02)
            assert len(t["curves"]["time_s"]) == len(t["curves"]["current_A"]) > 50
            assert t["curves"]["current_A"][0] > t["curves"]["current_A"][-1] > 0
        (iv,) = view["iv"]
        assert iv["R_el_ohm"] == pytest.approx(r_el, rel=0.02)
        assert iv["sigma_el_S_per_cm"] == pytest.approx(dc["sigma_el_S_per_cm"], rel=0.02)
        for p in iv["points"]:  # I_ss = V / R_el
            assert p["current_A"] == pytest.approx(p["voltage_V"] / r_el, rel=0.02)
        v, i = iv["line"]["voltage_V"], iv["line"]["current_A"]
        assert i[-1] == pytest.approx(v[-1] / iv["R_el_ohm"] + iv["intercept_A"], rel=1e-9)
        table = rows(c.get("/api/export/dc.csv").text)
        assert [float(r["t_ion"]) for r in table] == pytest.approx([t["t_ion"] for t in tr])
        ivcsv = rows(c.get("/api/export/iv.csv").text)
        assert [float(r["voltage_V"]) for r in ivcsv] == list(dc["voltages_V"])
        curves = rows(c.get(f"/api/export/curves/{tr[0]['analysis_id']}.csv").text)
        assert list(curves[0]) == ["time_s", "current_A"] and len(curves) == len(tr[0]["curves"]["time_s"])
        assert c.get("/api/export/curves/99999.csv").status_code == 404


def test_cycling_and_cv_views(views_study):
    ct = CYCLING_TRUTH
    with client(views_study) as c:
        view = c.get("/api/cycling").json()
        (cy,) = view["cycling"]
        assert cy["sample"] == "asBM" and cy["n_cycles"] == ct["n_cycles"] == len(cy["cycles"])
        n = ct["n_cycles"] - 1
        for k, cycle in enumerate(cy["cycles"]):  # overpotentials grow linearly from first to last cycle
            plating = ct["eta_plating_V"] + (ct["eta_plating_end_V"] - ct["eta_plating_V"]) * k / n
            stripping = ct["eta_stripping_V"] + (ct["eta_stripping_end_V"] - ct["eta_stripping_V"]) * k / n
            assert cycle["plating_V"] == pytest.approx(plating, abs=1e-6)
            assert cycle["polarisation_V"] == pytest.approx(stripping - plating, abs=1e-6)
        assert len(cy["curves"]["time_s"]) == len(cy["curves"]["voltage_V"]) > 100
        (cv,) = view["cv"]
        peaks = {p["kind"]: p["potential_V"] for p in cv["peaks"]}
        assert peaks["deposition"] == pytest.approx(CV_TRUTH["deposition_peak_V"], abs=0.02)
        assert peaks["dissolution"] == pytest.approx(CV_TRUTH["dissolution_peak_V"], abs=0.02)
        assert min(cv["curves"]["potential_V"]) == pytest.approx(-2.0, abs=0.02)
        cyc = rows(c.get("/api/export/cycling.csv").text)
        assert [int(r["cycle"]) for r in cyc] == list(range(1, ct["n_cycles"] + 1))
        assert float(cyc[0]["plating_V"]) == pytest.approx(ct["eta_plating_V"], abs=1e-6)
        assert {r["kind"] for r in rows(c.get("/api/export/cv.csv").text)} == {"deposition", "dissolution"}


# -- XRD, XPS ----------------------------------------------------------------------------------------
def test_xrd_view_phases_stats_and_difference(views_study):
    with client(views_study) as c:
        (ref,) = c.get("/api/xrd").json()["refinements"]
        assert ref["stats"] == XRD_STATS
        assert {p["phase"]: {k: v for k, v in p.items() if k != "phase"} for p in ref["phases"]} == XRD_PHASES
        cv = ref["curves"]
        assert np.allclose(cv["difference"], np.subtract(cv["observed"], cv["calculated"]))
        assert ref["ticks_deg"] == XRD_TICKS  # reflection positions per phase for the tick rows
        table = rows(c.get("/api/export/xrd.csv").text)
        assert [r["phase"] for r in table] == ["Mg3AsN", "MgO"]
        assert float(table[0]["weight_fraction"]) == 0.93 and float(table[1]["Rwp"]) == 7.2


def test_xps_view_profile_and_spectrum(views_study):
    with client(views_study) as c:
        (prof,) = c.get("/api/xps").json()["profiles"]
        assert prof["profile"]["x_name"] == "depth_nm" and prof["profile"]["x"] == [0.0, 10.0, 20.0]
        assert prof["profile"]["atomic_percent"] == XPS_PROFILE
        assert prof["spectrum"]["x_name"] == "binding_energy_eV" and set(prof["spectrum"]["series"]) == {
            "counts", "background", "fit"}
        table = rows(c.get("/api/export/xps.csv").text)
        assert [float(r["O 1s"]) for r in table] == XPS_PROFILE["O 1s"]


def test_views_are_empty_without_results(demo_study):
    with client(demo_study) as c:
        assert c.get("/api/xrd").json() == {"refinements": []}
        assert c.get("/api/xps").json() == {"profiles": []}
        assert c.get("/api/dc").json() == {"transients": [], "iv": []}
        assert c.get("/api/cycling").json() == {"cycling": [], "cv": []}
        assert c.get("/api/export/xrd.csv").text.strip() == "analysis_id,sample,phase"


def test_views_tolerate_other_result_shapes():
    from sselab.web import views

    a = {"id": 3, "sample": "S", "task_id": "S/xrd", "measurements": []}
    # phases as a list, no curves; a single-phase result with top-level keys
    listed = views.xrd_view([a | {"result": {"phases": [{"name": "MgO", "a": 4.21, "weight_fraction": 1.0}]}}])[0]
    assert listed["phases"] == [{"phase": "MgO", "a": 4.21, "weight_fraction": 1.0}] and listed["curves"] is None
    single = views.xrd_view([a | {"result": {"a_Angstrom": 9.86, "Rwp": 8.0}}])[0]
    assert single["phases"] == [{"phase": "phase", "a_Angstrom": 9.86}] and single["stats"] == {"Rwp": 8.0}
    assert views.xrd_view([a | {"result": None}])[0] == {**views.xrd_view([a | {"result": {}}])[0]}
    # XPS steps as a list of dicts, sputter time as x when depth is missing
    steps = {"steps": [{"sputter_time_s": 0.0, "atomic_percent": {"Mg": 40.0}},
                       {"sputter_time_s": 60.0, "atomic_percent": {"Mg": 50.0, "N": 20.0}}]}
    p = views.xps_view([a | {"result": steps}])[0]["profile"]
    assert p["x_name"] == "sputter_time_s" and p["atomic_percent"] == {"Mg": [40.0, 50.0], "N": [None, 20.0]}
    assert views.xps_view([a | {"result": {"curves": {"x": [1]}}}])[0]["spectrum"] is None


def test_study_results_and_accepted_fit_csvs(demo_study):
    mid = demo_study.ids[0]
    with client(demo_study) as c:
        study = rows(c.get("/api/export/study.csv").text)
        assert sorted(int(r["measurement_id"]) for r in study) == sorted(demo_study.ids)
        assert {r["status"] for r in study} == {"imported"}
        job = wait_job(c, c.post("/api/fit", json={"measurement_id": mid, "circuit": demo_study.circuit}).json()["job_id"])
        saved = c.post(f"/api/results/{mid}/accept", json={"job_id": job["id"], "user": "ada"}).json()
        fit = rows(c.get(f"/api/export/fits/{saved['analysis_id']}.csv").text)
        params = job["result"]["fit"]["parameters"]
        assert [r["parameter"] for r in fit] == list(params)
        assert [float(r["value"]) for r in fit] == pytest.approx([p["value"] for p in params.values()], rel=1e-12)
        results = rows(c.get("/api/export/results.csv").text)
        r1 = [r for r in results if r["name"] == "R1" and r["method"] == "eis_fit"]
        assert len(r1) == 1 and float(r1[0]["value"]) == pytest.approx(params["R1"]["value"], rel=1e-12)
        assert r1[0]["accepted"] == "True"
        assert c.get("/api/export/fits/99999.csv").status_code == 404
