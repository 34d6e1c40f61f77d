"""Crash safety and concurrent writers, with real separate processes."""

from __future__ import annotations

import importlib.util
import sqlite3
import subprocess
import sys
from pathlib import Path

from sselab import store

WORKER = Path(__file__).with_name("store_worker.py")
_spec = importlib.util.spec_from_file_location("sselab_store_worker", WORKER)
worker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(worker)

TABLES = ["samples", "measurements", "analyses", "analysis_measurements", "result_values", "figures"]


def _spawn(url: str, mode: str, start: int, count: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WORKER), url, mode, str(start), str(count)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen) -> tuple[int, str]:
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def _expected(indices) -> dict[str, int]:
    n = len(set(indices))
    samples = len({i % 3 for i in indices})
    return {"samples": samples, "measurements": n, "analyses": n, "analysis_measurements": n,
            "result_values": 3 * n, "figures": n}


def _check_consistent(db, indices) -> None:
    assert {t: db.count(t) for t in TABLES} == _expected(indices)
    for a in db.analyses():
        i = int(a["input_hash"], 16)
        assert {v["name"]: v["value"] for v in a["values"]} == {"R0": 10.0 + i, "R1": 100.0 + i, "chi2": 0.5 + i}
        assert a["result"] == worker.make_record(i).result
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []


def test_a_crash_mid_transaction_leaves_the_database_consistent(db_url):
    rc, err = _finish(_spawn(db_url, "crash", 0, 5))
    assert rc == 3, err  # died inside the transaction of record 5
    with store.open(db_url) as db:
        _check_consistent(db, range(5))  # record 5 left no trace, 0-4 complete
        assert not db.is_done(worker.make_record(5).key)
    rc, err = _finish(_spawn(db_url, "write", 0, 8))  # the re-run completes ...
    assert rc == 0, err
    with store.open(db_url) as db:
        _check_consistent(db, range(8))  # ... with no duplicates and nothing lost


def test_two_processes_write_at_once_without_errors_or_lost_rows(db_url):
    # both start on a database that does not exist yet (so they also race to migrate it);
    # records 30-39 are written by both
    a, b = _spawn(db_url, "write", 0, 40), _spawn(db_url, "write", 30, 40)
    (rc_a, err_a), (rc_b, err_b) = _finish(a), _finish(b)
    assert rc_a == 0, err_a
    assert rc_b == 0, err_b
    with store.open(db_url) as db:
        _check_consistent(db, range(70))


def test_a_crash_mid_batch_leaves_none_of_the_batch(db_url):
    rc, err = _finish(_spawn(db_url, "crash-batch", 0, 10))
    assert rc == 3, err  # died inside the transaction of records 10-16
    with store.open(db_url) as db:
        _check_consistent(db, range(10))
        assert not any(db.is_done(worker.make_record(i).key) for i in range(10, 17))


def test_two_batch_writers_in_opposite_orders(db_url):
    # records 20-39 are written by both, in opposite orders: no deadlock, no duplicates
    a, b = _spawn(db_url, "batch", 0, 40), _spawn(db_url, "batch-reversed", 20, 40)
    (rc_a, err_a), (rc_b, err_b) = _finish(a), _finish(b)
    assert rc_a == 0, err_a
    assert rc_b == 0, err_b
    with store.open(db_url) as db:
        _check_consistent(db, range(60))


_HOLD_A_WRITE_LOCK = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
con.execute("CREATE TABLE IF NOT EXISTS held (x)")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
con.execute("COMMIT")
"""


def test_opening_waits_for_a_write_lock_held_on_a_file_not_yet_in_wal_mode(tmp_path):
    # SQLite answers a journal-mode switch "database is locked" at once, without its busy
    # handler, while another process holds a write lock: the race of two processes opening a
    # new file.  Opening must wait for the lock to go, as every other statement does.
    path = tmp_path / "results.sqlite"
    sqlite3.connect(path).close()  # an empty file in rollback-journal mode
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_A_WRITE_LOCK, str(path), "0.5"], stdout=subprocess.PIPE,
                              text=True)
    assert holder.stdout.readline().strip() == "held"
    with store.open(str(path)) as db:
        assert db.count("samples") == 0
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert holder.wait(timeout=30) == 0
