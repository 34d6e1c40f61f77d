"""`sselab run --scheduler` on a real 2-worker LocalCluster: the same database rows as a serial run.

The study is the virtual Mg3AsN study cut down to a stage-1/2/3 slice (eBE reference and as-BM
stack at 40 and 100 °C, two DC holds): 6 file tasks, then deconvolution + Arrhenius, σ_el and
the consistency check, so all three pipeline stages cross the cluster.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import threading
import time

import pytest
import yaml

distributed = pytest.importorskip("distributed")
import cloudpickle  # noqa: E402  (a dependency of distributed)
import dask  # noqa: E402

from sselab.simulate.virtual_study import write_virtual_study  # noqa: E402
from sselab.store import open_store  # noqa: E402
from sselab.study.pipeline import run_study  # noqa: E402

cloudpickle.register_pickle_by_value(sys.modules[__name__])

KEEP = {"eBE_ref_40C.mpt", "eBE_ref_100C.mpt", "as-BM_eBE-stack_40C.mpt", "as-BM_eBE-stack_100C.mpt",
        "as-BM_Au-SE-Au_0.5V_100C.csv", "as-BM_Au-SE-Au_3.0V_100C.csv"}
N_TASKS = len(KEEP) + 3  # + deconvolution, dc_electronic, consistency


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    path = write_virtual_study(tmp_path_factory.mktemp("sched"), seed=4)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["measurements"] = [m for m in doc["measurements"] if m["file"].split("/")[-1] in KEEP]
    assert len(doc["measurements"]) == len(KEEP)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cl:
        yield cl


@pytest.fixture(scope="module")
def serial(manifest, tmp_path_factory):
    db = tmp_path_factory.mktemp("serial") / "serial.sqlite"
    summary = run_study(manifest, db, jobs=1)
    assert summary.n_failed == 0, summary.failures
    return _rows(db)


def _rows(db) -> list[dict]:
    with open_store(db) as s:
        rows = s.analyses()
    return sorted(rows, key=lambda a: (a["method"], a["task_id"]))


def _close(a, b, path="") -> None:
    """Equal structure; numbers equal to 1e-9 relative."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), path
        for k in a:
            _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and not isinstance(a, bool):
        assert isinstance(b, (int, float)), path
        assert (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300), (path, a, b)
    else:
        assert a == b, (path, a, b)


def _same_rows(got: list[dict], ref: list[dict]) -> None:
    keys = [(a["input_hash"], a["method"], a["settings_hash"], a["sselab_version"]) for a in got]
    assert len(keys) == len(set(keys)) == len(ref) == N_TASKS  # no duplicates, nothing lost
    for g, r in zip(got, ref):
        for k in ("task_id", "method", "input_hash", "settings_hash", "sselab_version", "status", "sample", "settings"):
            assert g[k] == r[k], k
        assert g["status"] == "ok", g["message"]
        _close(g["result"], r["result"], g["task_id"])
        _close(g["values"], r["values"], g["task_id"] + " values")
        assert [m["input_hash"] for m in g["measurements"]] == [m["input_hash"] for m in r["measurements"]]


def _tasks_run_on_cluster(client) -> int:
    def count(dask_scheduler):
        prefix = dask_scheduler.task_prefixes.get("run_safely")
        return 0 if prefix is None else int(prefix.state_counts.get("memory", 0) + prefix.state_counts.get("forgotten", 0))

    return client.run_on_scheduler(count)


def test_cli_scheduler_fills_the_same_database_as_serial(cli, manifest, cluster, serial, tmp_path):
    db = tmp_path / "dask.sqlite"
    rc, out, err = cli("run", manifest, "--db", db, "--scheduler", cluster.scheduler_address, "--no-report", "--json")
    assert rc == 0, err
    assert '"n_failed": 0' in out and f'"n_run": {N_TASKS}' in out
    _same_rows(_rows(db), serial)
    with distributed.Client(cluster) as client:
        assert _tasks_run_on_cluster(client) >= N_TASKS  # the workers did the fits, not this process
    # the deconvolution stage really used the cluster's fits: Ea recovered from 2 temperatures
    dec = next(a for a in _rows(db) if a["method"] == "deconvolution")["result"]
    truth = json.loads((manifest.parent / "truth.json").read_text(encoding="utf-8"))
    assert dec["Ea_eV"] == pytest.approx(truth["as-BM"]["Ea_ion_eV"], abs=0.03)
    # rerun against the cluster: everything is skipped, nothing duplicated
    rc, out, _ = cli("run", manifest, "--db", db, "--scheduler", cluster.scheduler_address, "--no-report", "--json")
    assert rc == 0 and '"n_run": 0' in out and len(_rows(db)) == N_TASKS


def test_python_api_with_a_client(manifest, cluster, serial, tmp_path):
    db = tmp_path / "api.sqlite"
    with distributed.Client(cluster) as client:
        summary = run_study(manifest, db, scheduler=client)
        assert client.status == "running"  # a Client handed in is left open for the caller
    assert summary.n_failed == 0 and summary.n_run == N_TASKS
    _same_rows(_rows(db), serial)


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:9", "no-port-here"])
def test_bad_scheduler_address_is_one_line(cli, manifest, tmp_path, address):
    db = tmp_path / "never.sqlite"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        rc, out, err = cli("run", manifest, "--db", db, "--scheduler", address, "--no-report")
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and address in lines[0], err
    assert "Traceback" not in err + out
    assert not db.exists()  # failed before touching the database


def test_cli_local_processes_fill_the_same_database(cli, manifest, serial, tmp_path):
    db = tmp_path / "jobs.sqlite"
    rc, out, err = cli("run", manifest, "--db", db, "--jobs", "2", "--no-report", "--json")
    assert rc == 0, err
    _same_rows(_rows(db), serial)


def test_worker_killed_mid_run_loses_and_duplicates_nothing(manifest, cluster, serial, tmp_path):
    """SIGKILL a worker while it holds a study task: the task reruns elsewhere, rows as serial."""
    db = tmp_path / "killed.sqlite"
    with distributed.Client(cluster) as client:
        pids = client.run(os.getpid)
        box: dict = {}
        runner = threading.Thread(target=lambda: box.setdefault("summary", run_study(manifest, db, scheduler=client)))
        runner.start()
        killed = None
        deadline = time.time() + 60
        while killed is None and runner.is_alive() and time.time() < deadline:
            for address, keys in client.processing().items():
                if address in pids and any("run_safely" in str(k) for k in keys):
                    os.kill(pids[address], signal.SIGKILL)
                    killed = address
                    break
            time.sleep(0.002)
        runner.join(180)
        assert killed is not None, "no worker was caught holding a task"
        assert pids[killed] not in client.run(os.getpid).values()  # that process really died
    summary = box["summary"]
    assert summary.n_failed == 0 and summary.n_run == N_TASKS, summary.failures
    _same_rows(_rows(db), serial)
