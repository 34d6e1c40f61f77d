"""The workbench refuses malformed requests with 4xx (never 500), never echoes large inputs,
validates sample names, neutralises spreadsheet formulas in CSV exports, caps bodies, and
cancels jobs (endpoint, and all of them when the server stops)."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from webstudy import make_study  # noqa: E402

from sselab.web.jobs import JobCancelled, JobManager  # noqa: E402

SRC = Path(__file__).resolve().parents[2] / "src"


def test_client(study):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from sselab.web.app import create_app
    from sselab.web.config import WorkbenchConfig

    return TestClient(create_app(WorkbenchConfig.from_target(study.db)), base_url="http://127.0.0.1",
                      raise_server_exceptions=False)


test_client.__test__ = False  # a helper, not a test


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return make_study(tmp_path_factory.mktemp("webhard") / "study")


@pytest.mark.parametrize("path", ["/static/%00", "/static/" + "a" * 300, "/static/../../etc/passwd",
                                  f"/api/measurements/{2**63}", f"/api/measurements/{2**64}", f"/api/kk/{2**63}",
                                  f"/api/export/fits/{2**63}.csv", f"/api/export/measurements/{2**63}.csv",
                                  f"/api/export/curves/{2**63}.csv", "/api/jobs/" + "x" * 5000])
def test_malformed_paths_are_404_with_a_short_message(study, path):
    with test_client(study) as c:
        r = c.get(path)
    assert r.status_code == 404, r.text[:300]
    assert len(r.text) < 400


def test_json_bodies_are_capped_and_errors_never_echo_the_input(study):
    with test_client(study) as c:
        huge = json.dumps({"circuit": "R0", "values": {f"p{i}": 1.0 for i in range(200_000)}})
        r = c.post("/api/circuit/preview", content=huge, headers={"content-type": "application/json"})
        assert r.status_code == 413 and len(r.text) < 200
        marker = "Z" * 5000
        r = c.post("/api/circuit/validate", json={"circuit": marker})
        assert r.status_code == 422 and marker[:400] not in r.text and len(r.text) < 1000
        r = c.post("/api/fit", json={"circuit": "R0", "measurement_id": 1, "weighting": marker[:900]})
        assert r.status_code in (400, 422) and marker[:400] not in r.text


@pytest.mark.parametrize("sample", ["..", ".", "...", ".hidden", "a/b", "a\\b", "x" * 101, "bad\x01"])
def test_bad_sample_names_are_refused(study, sample):
    with test_client(study) as c:
        r = c.post("/api/upload", files={"file": ("x.csv", b"1,2,3\n")}, data={"sample": sample})
    assert r.status_code == 400 and "sample name" in r.json()["detail"]
    assert not (study.root / "x.csv").exists()


def test_a_300_character_file_name_is_a_400(study):
    with test_client(study) as c:
        r = c.post("/api/upload", files={"file": ("a" * 300 + ".csv", b"1,2,3\n")}, data={"sample": "HP"})
    assert r.status_code == 400 and "at most 200" in r.json()["detail"]


def test_zip_bomb_upload_is_refused_and_removed(study):
    from test_safezip import bomb_bytes

    with test_client(study) as c:
        r = c.post("/api/upload", files={"file": ("bomb.brml", bomb_bytes(100 * 2**20))}, data={"sample": "HP"})
    assert r.status_code == 400 and "zip bomb" in r.json()["detail"]
    assert not list(study.root.rglob("bomb*.brml"))


def test_csv_exports_neutralise_formulas_in_sample_names(tmp_path, shared_data):
    s = make_study(tmp_path / "study")
    evil = '=HYPERLINK("x", "click")'
    with test_client(s) as c:
        data = (shared_data / "eis" / "exampleData.csv").read_bytes()
        r = c.post("/api/upload", files={"file": ("spec.csv", data)}, data={"sample": evil, "kind": "spectrum"})
        assert r.status_code == 200, r.text
        text = c.get("/api/export/study.csv").text
    rows = list(csv.reader(io.StringIO(text)))
    samples = {row[0] for row in rows[1:]}
    assert "'" + evil in samples and evil not in samples


def test_cancelling_a_running_job_stops_it_at_its_next_stage():
    jobs = JobManager(workers=1)
    started, stopped = threading.Event(), threading.Event()

    def work(progress):
        started.set()
        try:
            for i in range(600):
                progress(f"step {i}", i / 6)
                time.sleep(0.05)
        except JobCancelled:
            stopped.set()
            raise
        return "finished"

    job = jobs.submit("slow", work)
    queued = jobs.submit("queued", lambda progress: "never")
    assert started.wait(5)
    assert jobs.cancel(queued.id).status == "cancelled"
    assert jobs.cancel(job.id).status == "cancelled"
    assert stopped.wait(2)
    assert jobs.wait(job.id, 2).result is None and job.to_dict()["status"] == "cancelled"
    time.sleep(0.2)
    assert queued.started is None and jobs.busy_threads() == 0
    jobs.shutdown()


def test_cancel_endpoint(study):
    with test_client(study) as c:
        r = c.post("/api/drt", json={"measurement_id": study.ids[0], "bootstrap": 200})
        assert r.status_code == 202, r.text
        job_id = r.json()["job_id"]
        r = c.post(f"/api/jobs/{job_id}/cancel")
        assert r.status_code == 200 and r.json()["status"] in ("cancelled", "done")
        assert c.get(f"/api/jobs/{job_id}").json()["status"] in ("cancelled", "done")
        assert c.post("/api/jobs/nope/cancel").status_code == 404


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ctrl_c_stops_the_server_although_a_job_is_still_computing(study):
    """A job that never looks at its progress callback (10 min of sleep) must not keep the
    process alive after Ctrl+C."""
    script = (
        "import sys, time\n"
        "import sselab.web as web\n"
        "orig = web.create_app\n"
        "def patched(config):\n"
        "    app = orig(config)\n"
        "    app.state.workbench.jobs.submit('sleep', lambda progress: time.sleep(600))\n"
        "    return app\n"
        "web.create_app = patched\n"
        "from sselab.cli.main import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", script, "serve", str(study.db), "--port", str(port)],
                            env={**os.environ, "PYTHONPATH": str(SRC)}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        t0 = time.monotonic()
        proc.wait(timeout=20)
        assert time.monotonic() - t0 < 15
        out = proc.stdout.read()
        assert "running job(s) cancelled" in out, out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
