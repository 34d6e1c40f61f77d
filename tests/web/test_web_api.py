"""API tests of the workbench (in-process, fastapi.testclient)."""

from __future__ import annotations

import threading
import time


import pytest

from sselab.exceptions import SselabError
from sselab.web import WorkbenchConfig, create_app
from webstudy import client, wait_job

LOCAL = "http://127.0.0.1"
TOKEN = "s3cret-token-for-tests"


# -- binding and token --------------------------------------------------------------------------
def test_non_loopback_host_needs_a_token(demo_study):
    with pytest.raises(SselabError, match="--token"):
        create_app(WorkbenchConfig.from_target(demo_study.db, host="0.0.0.0"))


def test_serve_cli_refuses_public_host_without_token(cli, demo_study):
    rc, out, err = cli("serve", demo_study.db, "--host", "0.0.0.0")
    assert rc == 2 and "--token" in err and out == ""


def test_token_is_checked_on_every_request(demo_study):
    with client(demo_study, host="0.0.0.0", token=TOKEN) as c:
        assert c.get("/api/study").status_code == 401
        assert c.get("/api/study", headers={"X-Sselab-Token": "wrong-token-xx"}).status_code == 401
        assert c.get("/api/study", headers={"X-Sselab-Token": TOKEN}).status_code == 200
        assert c.get(f"/api/study?token={TOKEN}").status_code == 200
        assert c.post("/api/circuit/validate", json={"circuit": "R0"}).status_code == 401
        assert c.get("/").status_code == 401
        assert c.get("/static/js/main.js").status_code == 401
        page = c.get(f"/?token={TOKEN}")  # sets the cookie the static assets are loaded with
        assert page.status_code == 200
        assert c.get("/static/js/main.js").status_code == 200
        assert c.get("/api/study").status_code == 401  # the cookie never opens the API


def test_loopback_rejects_foreign_host_and_cross_site_posts(demo_study):
    with client(demo_study) as c:
        assert c.get("/api/study").status_code == 200
        assert c.get("/api/study", headers={"Host": "evil.example:8765"}).status_code == 403
        bad = c.post("/api/circuit/validate", json={"circuit": "R0"}, headers={"Origin": "http://evil.example"})
        assert bad.status_code == 403
        ok = c.post("/api/circuit/validate", json={"circuit": "R0"}, headers={"Origin": LOCAL})
        assert ok.status_code == 200


# -- study and spectra -------------------------------------------------------------------------------
def test_study_lists_samples_and_measurements(demo_study):
    with client(demo_study) as c:
        study = c.get("/api/study").json()
        names = {s["name"]: [m["id"] for m in s["measurements"]] for s in study["samples"]}
        assert sorted(names) == ["HP", "asBM"]
        assert sorted(names["HP"] + names["asBM"]) == sorted(demo_study.ids)
        m = c.get(f"/api/measurements/{demo_study.ids[0]}").json()
        assert len(m["frequency_Hz"]) == 40 and m["temperature_K"] == pytest.approx(313.15)
        assert m["accepted_fit"] is None
        assert c.get("/api/measurements/99999").status_code == 404
        csv = c.get(f"/api/export/measurements/{demo_study.ids[0]}.csv").text.splitlines()
        assert csv[0].startswith("frequency_Hz,z_real_ohm") and len(csv) == 41


def test_plotly_is_served_locally(demo_study):
    with client(demo_study) as c:
        js = c.get("/static/plotly.min.js")
        assert js.status_code == 200 and len(js.content) > 1_000_000 and b"plotly" in js.content[:2000].lower()
        assert "cdn" not in c.get("/").text.lower()
        assert c.get("/static/../app.py").status_code == 404


# -- circuits, fits, KK, saving --------------------------------------------------------------------
def test_circuit_validation_error_has_position(demo_study):
    with client(demo_study) as c:
        r = c.post("/api/circuit/validate", json={"circuit": "R0-p(R1,CPE1"}).json()
        assert r["ok"] is False and r["position"] == len("R0-p(R1,CPE1") and "expected" in r["message"]
        r = c.post("/api/circuit/validate", json={"circuit": "R0-Q1"}).json()
        assert r["ok"] is False and r["position"] == 3
        ok = c.post("/api/circuit/validate", json={"circuit": demo_study.circuit, "measurement_id": demo_study.ids[0]}).json()
        assert ok["ok"] and [p["name"] for p in ok["parameters"]] == ["R0", "R1", "CPE1.Q", "CPE1.n", "CPE2.Q", "CPE2.n"]
        assert set(ok["initial"]) == {p["name"] for p in ok["parameters"]}
        fit = c.post("/api/fit", json={"measurement_id": demo_study.ids[0], "circuit": "p(R1"})
        assert fit.status_code == 400 and fit.json()["detail"]["position"] == 4


def test_fit_job_recovers_simulated_truth_and_accept_writes_the_db(demo_study):
    mid, truth = demo_study.ids[0], demo_study.truth[0]
    with client(demo_study) as c:
        r = c.post("/api/fit", json={"measurement_id": mid, "circuit": demo_study.circuit})
        assert r.status_code == 202
        job = wait_job(c, r.json()["job_id"])
        assert job["status"] == "done", job["error"]
        params = job["result"]["fit"]["parameters"]
        for name in ("R1", "CPE1.Q", "CPE1.n", "CPE2.Q", "CPE2.n"):
            assert params[name]["value"] == pytest.approx(truth[name], rel=0.05), name
        assert len(job["result"]["residuals"]["real"]) == 40
        # fixed parameters stay put
        r2 = c.post("/api/fit", json={"measurement_id": mid, "circuit": demo_study.circuit, "fixed": {"CPE1.n": 0.85}})
        job2 = wait_job(c, r2.json()["job_id"])
        assert job2["result"]["fit"]["parameters"]["CPE1.n"]["value"] == 0.85
        # save: who/when recorded in the database
        saved = c.post(f"/api/results/{mid}/accept", json={"job_id": job["id"], "user": "alice"})
        assert saved.status_code == 200, saved.text
        body = saved.json()
        assert body["accepted"] and body["accepted_by"] == "alice" and body["accepted_at"]
        m = c.get(f"/api/measurements/{mid}").json()
        assert m["accepted_fit"]["result"]["parameters"]["R1"]["value"] == pytest.approx(params["R1"]["value"])
        status = {m["id"]: m["status"] for s in c.get("/api/study").json()["samples"] for m in s["measurements"]}
        assert status[mid] == "accepted" and status[demo_study.ids[1]] == "imported"
        # a job of another measurement cannot be saved here
        other = c.post(f"/api/results/{demo_study.ids[1]}/accept", json={"job_id": job["id"], "user": "bob"})
        assert other.status_code == 400
    from sselab.store import open_store

    with open_store(demo_study.db) as db:
        fits = db.analyses(method="eis_fit")
        assert len(fits) == 1 and fits[0]["accepted_by"] == "alice"
        assert fits[0]["result"]["parameters"]["R1"]["value"] == pytest.approx(truth["R1"], rel=0.05)


def test_uploaded_spectrum_fit_and_bad_weighting(demo_study):
    from sselab.eis import simulate_spectrum

    s = simulate_spectrum("R0-p(R1,C1)", {"R0": 10.0, "R1": 500.0, "C1": 1e-7}, [1e5, 1e4, 3e3, 1e3, 300.0, 100.0, 10.0])
    spectrum = {"frequency_Hz": s.frequency_Hz.tolist(), "z_real_ohm": s.impedance_ohm.real.tolist(),
                "z_imag_ohm": s.impedance_ohm.imag.tolist()}
    with client(demo_study) as c:
        job = wait_job(c, c.post("/api/fit", json={"spectrum": spectrum, "circuit": "R0-p(R1,C1)"}).json()["job_id"])
        assert job["result"]["fit"]["parameters"]["R1"]["value"] == pytest.approx(500.0, rel=1e-6)
        bad = c.post("/api/fit", json={"spectrum": spectrum, "circuit": "R0", "weighting": "magic"})
        assert bad.status_code == 400 and "weighting" in bad.json()["detail"]


def test_concurrent_accepts_do_not_corrupt(demo_study):
    with client(demo_study) as c:
        jobs = {}
        for mid in demo_study.ids:
            jobs[mid] = wait_job(c, c.post("/api/fit", json={"measurement_id": mid, "circuit": demo_study.circuit}).json()["job_id"])
        codes: list[int] = []

        def save(mid: int, user: str) -> None:
            codes.append(c.post(f"/api/results/{mid}/accept", json={"job_id": jobs[mid]["id"], "user": user}).status_code)

        threads = [threading.Thread(target=save, args=(mid, f"user{i}")) for i, mid in enumerate(demo_study.ids * 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert codes == [200] * len(threads)
        for mid in demo_study.ids:
            fits = c.get(f"/api/measurements/{mid}").json()["fits"]
            assert len(fits) == 1 and sum(f["accepted"] for f in fits) == 1


def test_kk_of_a_clean_spectrum_passes(demo_study):
    with client(demo_study) as c:
        kk = c.get(f"/api/kk/{demo_study.ids[0]}").json()
        assert kk["passed"] is True and kk["max_residual_percent"] < 1.5
        assert len(kk["residuals_real"]) == 40


def test_arrhenius_series_and_transport_table(demo_study):
    import numpy as np

    from sselab.units import K_B_EV

    with client(demo_study) as c:
        assert c.get("/api/arrhenius").json()["series"] == []
    demo_study.add_transport()
    with client(demo_study) as c:
        series = {s["sample"]: s for s in c.get("/api/arrhenius").json()["series"]}
        assert sorted(series) == ["HP", "asBM"]
        for sample, ea, s0 in demo_study.arrhenius:
            s = series[sample]
            assert s["Ea_eV"] == pytest.approx(ea, rel=1e-9)
            t = np.array(s["line"]["temperature_K"])
            assert np.allclose(s["line"]["sigma_S_per_cm"], s0 * np.exp(-ea / (K_B_EV * t)), rtol=1e-9)
        table = c.get("/api/transport").json()["table"]
        assert {(r["sample"], r["name"]) for r in table} >= {("HP", "Ea_eV"), ("asBM", "Ea_eV")}
        csv = c.get("/api/export/transport.csv").text.splitlines()
        assert csv[0].startswith("analysis_id,sample") and any(",Ea_eV," in line for line in csv)


def test_server_answers_while_a_job_runs(demo_study):
    release = threading.Event()
    with client(demo_study) as c:
        jobs = c.app.state.workbench.jobs
        job = jobs.submit("fit", lambda progress: (progress("waiting"), release.wait(30))[1])
        deadline = time.monotonic() + 10
        while c.get(f"/api/jobs/{job.id}").json()["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert c.get("/api/study").status_code == 200
        assert c.get(f"/api/jobs/{job.id}").json()["progress"] == "waiting"
        release.set()
        assert wait_job(c, job.id)["result"] is True
