"""Killing `sselab run --jobs 2` (SIGKILL or SIGTERM of the parent) leaves no worker running
and a consistent database; a later run resumes (Linux: reads /proc)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sselab.simulate.virtual_study import write_virtual_study
from sselab.store import open_store
from sselab.study.pipeline import run_study

SRC = Path(__file__).resolve().parents[2] / "src"
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of ``pid``; None when it no longer exists."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), fields[0]


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st is not None:
                children.setdefault(st[0], []).append(int(entry))
    out, todo = set(), [root]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def _workers(parent: int) -> set[int]:
    """Live forked workers of ``parent`` (same command line; not helpers such as ldconfig
    that libraries start while importing)."""
    try:
        cmd = Path(f"/proc/{parent}/cmdline").read_bytes()
    except OSError:
        return set()
    out = set()
    for pid in _descendants(parent):
        try:
            if _alive(pid) and Path(f"/proc/{pid}/cmdline").read_bytes() == cmd:
                out.add(pid)
        except OSError:
            pass
    return out


def _alive(pid: int) -> bool:
    st = _stat(pid)
    return st is not None and st[1] not in ("Z", "X")



@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> Path:
    """A slice of the virtual study: long enough to be killed mid-run with both workers busy."""
    import yaml

    path = write_virtual_study(tmp_path_factory.mktemp("kill"), seed=5)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    # every transport and cycling file (not XRD/XPS/SEM): long enough that the run is still going
    # when it is killed, also on a fast, quiet machine (8 files were done before the signal in CI)
    doc["measurements"] = [m for m in doc["measurements"] if m["technique"] in ("eis", "dc", "cycling", "cv")]
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killing_the_parent_leaves_no_worker_and_a_consistent_database(manifest, tmp_path, sig):
    db = tmp_path / "kill.sqlite"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    parent = subprocess.Popen([sys.executable, "-m", "sselab.cli", "run", str(manifest), "--db", str(db), "--jobs", "2",
                               "--no-report", "--json"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(workers) < 2 and parent.poll() is None:
            workers = _workers(parent.pid)
            time.sleep(0.2)
        assert len(workers) >= 2, f"no workers started: {parent.stderr.read().decode()[-2000:] if parent.poll() is not None else ''}"
        time.sleep(0.5)  # workers busy (importing and fitting)
        workers |= _workers(parent.pid)
        assert parent.poll() is None, "the run ended before it could be killed"
        parent.send_signal(sig)
        parent.wait(timeout=30)
        time.sleep(5)
        survivors = sorted(p for p in workers if _alive(p))
        assert not survivors, f"workers still running 5 s after {sig.name}: {survivors}"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        for p in workers:
            if _alive(p):
                os.kill(p, signal.SIGKILL)
    finished_first = parent.returncode == 0  # on a loaded machine the short run may end before the signal lands
    if sig == signal.SIGTERM and not finished_first:
        # 143: the handler's clean exit; -15 when the signal lands before `sselab run` installs it
        assert parent.returncode in (128 + signal.SIGTERM, -signal.SIGTERM), parent.returncode
        assert b"Traceback" not in parent.stderr.read()
    if db.exists():
        with sqlite3.connect(db) as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        with open_store(db) as s:
            stored = s.analyses()
        assert all(a["input_hash"] for a in stored)
    else:
        stored = []
    # the run resumes: stored analyses are skipped, the rest run, nothing fails
    summary = run_study(manifest, db, jobs=1)
    assert summary.n_failed == 0, summary.failures
    assert summary.n_skipped >= len([a for a in stored if a.get("status") != "failed"]) - 1
    assert summary.n_run + summary.n_skipped == summary.n_tasks
    if finished_first:  # exit 0 is only right for a run that completed every task before the signal
        assert summary.n_run == 0, "exit 0 after SIGTERM although analyses were left undone"


def test_a_worker_terminated_while_it_starts_dies_quietly():
    """A worker forked after `sselab run` set its SIGTERM handler, terminated before its
    initializer resets the handler (a bad manifest stops the pool the run started first): it dies
    by SIGTERM, printing nothing — the handler used to raise SystemExit inside the interpreter's
    after-fork code, a traceback on the user's terminal (seen in tests/robustness/test_memory.py)."""
    code = (
        "import os, signal, sys\n"
        "from sselab.cli.run import _exit_on_sigterm\n"
        "_exit_on_sigterm()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    import time; time.sleep(5)\n"
        "    os._exit(0)\n"
        "_, status = os.waitpid(pid, 0)\n"
        "print(os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM)\n"
        "import time\n"
        "try:\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    time.sleep(5)\n"
        "except SystemExit as exc:\n"
        "    print(exc.code)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(SRC)})
    assert proc.stdout.split() == ["True", "143"] and proc.stderr == "", (proc.stdout, proc.stderr)


def test_stopping_a_busy_pool_leaves_no_worker_and_no_pool_thread():
    """stop_pool(now=True) on busy workers returns with every worker reaped and the pool's
    manager thread finished: the interpreter's exit hook then has nothing to race (it printed
    "Exception ignored ... Bad file descriptor" after some SIGTERMed runs, when the thread was
    still closing its pipes)."""
    from sselab.study.executors import local_pool, stop_pool

    pool = local_pool(2)
    futures = [pool.submit(time.sleep, 30) for _ in range(4)]
    deadline = time.monotonic() + 60
    while not all(f.running() for f in futures[:2]) and time.monotonic() < deadline:
        time.sleep(0.05)
    procs = list(pool._processes.values())
    manager = pool._executor_manager_thread
    t0 = time.monotonic()
    stop_pool(pool, now=True)
    assert time.monotonic() - t0 < 10
    assert len(procs) == 2 and all(p.exitcode is not None for p in procs), [p.exitcode for p in procs]
    assert not manager.is_alive()


def test_a_cleanup_that_hangs_after_sigterm_is_cut_short():
    """Whatever the run's cleanup waits on after SIGTERM, the process exits 143 within
    STOP_DEADLINE_S (here shortened to 0.5 s) instead of hanging (seen once in CI: a run still
    alive 30 s after SIGTERM)."""
    code = (
        "import os, signal, time\n"
        "import sselab.cli.run as r\n"
        "r.STOP_DEADLINE_S = 0.5\n"
        "r._exit_on_sigterm()\n"
        "try:\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    time.sleep(5)\n"
        "finally:\n"
        "    time.sleep(60)  # a cleanup that never ends\n"
    )
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(SRC)})
    assert proc.returncode == 128 + signal.SIGTERM and time.monotonic() - t0 < 30, (proc.returncode, proc.stderr)
