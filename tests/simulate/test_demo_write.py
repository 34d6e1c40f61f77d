"""The demo writes its virtual study in a forked process while it imports what the pipeline needs
(sselab.demo._written_study): the files must be those a serial write gives, byte for byte."""

from __future__ import annotations

import hashlib
import importlib.util
import multiprocessing

import pytest

from sselab import demo
from sselab.simulate.virtual_study import write_virtual_study


@pytest.fixture(autouse=True)
def collector_restored():
    """_written_study freezes this process's objects for its fork (demo._freeze_heap), as
    run_demo does; run_demo undoes it on return, a direct call here does not: undone after each test."""
    from sselab.collector import restored

    with restored():
        yield


def _digests(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes().replace(str(root).encode(), b"ROOT")).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform")
def test_study_written_aside_equals_the_serial_write(tmp_path):
    aside = demo._written_study(tmp_path / "a" / "study", jobs=2)
    serial = write_virtual_study(tmp_path / "b" / "study")
    assert aside == tmp_path / "a" / "study" / serial.name
    a, b = _digests(tmp_path / "a" / "study"), _digests(tmp_path / "b" / "study")
    assert len(a) > 50 and a == b


def test_every_module_warmed_exists():
    missing = [m for m in demo.WARM_MODULES if importlib.util.find_spec(m) is None]
    assert missing == []


def test_every_writer_module_exists():
    missing = [m for m in demo.WRITER_MODULES if importlib.util.find_spec(m) is None]
    assert missing == []


def test_the_writer_inherits_its_heavy_imports(tmp_path):
    # demo._written_study imports WRITER_MODULES before it forks the writer, so that the writer
    # does not import its own copy (~1 s CPU): no numpy/scipy/pymatgen/sselab module is imported
    # by the write itself (run in a fresh interpreter: this one has imported everything already)
    import subprocess
    import sys

    code = ("import sys, sselab.cli.main, sselab.demo as d\n"
            "from pathlib import Path\n"
            "d._writer_imports()\n"
            "before = set(sys.modules)\n"
            f"d._write_study(Path({str(tmp_path / 'study')!r}))\n"
            "new = sorted(m for m in set(sys.modules) - before\n"
            "             if m.split('.')[0] in ('numpy', 'scipy', 'pymatgen', 'spglib', 'skimage', 'tifffile')\n"
            "             or m.startswith(('sselab.simulate', 'sselab.xrd', 'sselab.microscopy', 'sselab.eds')))\n"
            "print(','.join(new))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", out.stdout
    assert (tmp_path / "study" / "study.yaml").is_file()


def test_heap_frozen_and_young_collections_rarer_before_workers_fork():
    # demo._freeze_heap (before the writer, the study's and the figures' workers fork): the
    # objects held are moved out of the collector's generations, and the youngest generation is
    # collected every GC_YOUNG_THRESHOLD allocations; a process told to collect never (0) stays so
    import subprocess
    import sys

    code = ("import gc, sselab.demo as d\n"
            "a = gc.get_freeze_count()\n"
            "d._freeze_heap()\n"
            "print(a, gc.get_freeze_count() > 1000, gc.get_threshold()[0])\n"
            "gc.set_threshold(0)\n"
            "d._freeze_heap()\n"
            "print(gc.get_threshold()[0])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0", "True", str(demo.GC_YOUNG_THRESHOLD), "0"]


def _killed(folder):
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


def _where(folder):
    import os

    return os.getpid()


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform")
def test_a_writer_that_dies_is_one_error(tmp_path, monkeypatch):
    from sselab.exceptions import SselabError

    monkeypatch.setattr(demo, "_write_study", _killed)
    monkeypatch.setattr(demo, "_warm_imports", lambda: None)
    with pytest.raises(SselabError, match="ended abruptly"):
        demo._written_study(tmp_path / "study", jobs=2)


def test_written_aside_only_with_fork_and_jobs(tmp_path, monkeypatch):
    import os

    monkeypatch.setattr(demo, "_write_study", _where)
    monkeypatch.setattr(demo, "_warm_imports", lambda: None)
    assert demo._written_study(tmp_path, jobs=1) == os.getpid()
    if "fork" in multiprocessing.get_all_start_methods():
        assert demo._written_study(tmp_path, jobs=2) != os.getpid()
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])  # Windows, or no fork
    assert demo._written_study(tmp_path, jobs=2) == os.getpid()


def test_blas_on_one_thread_only_inside_the_demo_with_workers():
    pytest.importorskip("scipy.linalg")
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def counts():
        return sorted(i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas")

    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        if not counts() or max(counts()) < 2:
            pytest.skip("no BLAS with a thread pool")
        before = counts()
        with demo._blas_per_process(2):
            assert set(counts()) == {1}
        assert counts() == before  # restored: a library user's BLAS is as it was after run_demo
        with demo._blas_per_process(1):
            assert counts() == before
