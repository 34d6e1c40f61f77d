"""`sselab eis fit --json` on many files with forked workers reading the files and writing the
JSON (sselab.cli._eis_batch) prints byte for byte what one process prints: the same stdout,
the same notes and errors on stderr, the same exit code — with good fits, a failed fit, a file
that cannot be read and a file holding two sweeps among them."""

import json

import numpy as np
import pytest

from sselab.cli import _eis_batch
from sselab.eis import paper_frequencies, simulate_spectrum
from sselab.io.writers import write_spectrum_csv

CIRCUIT = "R0-p(R1,CPE1)-p(R2,CPE2)"


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(3)
    out = []
    for k in range(9):
        truth = {"R0": float(rng.uniform(1, 50)), "R1": float(10 ** rng.uniform(2, 4)), "CPE1.Q": 1e-10,
                 "CPE1.n": 0.9, "R2": float(10 ** rng.uniform(3, 5)), "CPE2.Q": 1e-6, "CPE2.n": 0.8}
        path = tmp_path / f"s{k}.csv"
        write_spectrum_csv(path, simulate_spectrum(CIRCUIT, truth, paper_frequencies(40), noise=0.004, seed=k))
        out.append(path)
    # a spectrum the circuit cannot describe (three arcs): its fit fails
    wrong = tmp_path / "three_arcs.csv"
    truth = {"R0": 10, "R1": 1000, "C1": 1e-10, "R2": 1000, "C2": 1e-7, "R3": 3000, "C3": 1e-4}
    write_spectrum_csv(wrong, simulate_spectrum("R0-p(R1,C1)-p(R2,C2)-p(R3,C3)", truth, paper_frequencies(40),
                                                noise=0.003, seed=1))
    out.insert(4, wrong)
    # two sweeps in one file: the first is fitted, a note on stderr says so
    two = tmp_path / "two.csv"
    text = out[0].read_text()
    two.write_text(text + "".join(line + "\n" for line in text.splitlines() if line[:1].isdigit()))
    out.insert(2, two)
    return out


def _run(cli, monkeypatch, args, jobs):
    monkeypatch.setattr(_eis_batch, "MIN_FILES", 2)
    return cli("eis", "fit", *args, "--circuit", CIRCUIT, "--json", "--jobs", str(jobs))


def test_workers_print_what_one_process_prints(cli, files, monkeypatch, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("frequency (Hz),Re(Z) (Ohm),-Im(Z) (Ohm)\n1000,1,2\n100,1,x\n10,2,3\n1,2,3\n")
    args = [*files[:6], bad, *files[6:]]
    one = _run(cli, monkeypatch, args, 1)
    two = _run(cli, monkeypatch, args, 2)
    assert two == one
    rc, out, err = one
    assert rc == 2  # a file could not be read
    items = json.loads(out)
    assert len(items) == len(args)
    assert "not a number" in items[6]["error"] and items[6]["file"] == str(bad)
    assert "two.csv holds 2 spectra; using spectrum 0" in err
    assert items[2]["spectra_in_file"] == 2
    assert [i["status"] for i in items if "status" in i].count("failed") >= 1


def test_exit_code_and_options_with_workers(cli, files, monkeypatch):
    args = [*files, "--fmax", "1e5", "--weight", "proportional"]
    one = _run(cli, monkeypatch, args, 1)
    two = _run(cli, monkeypatch, args, 3)
    assert two == one
    rc, out, _ = one
    assert rc == 3  # the three-arc spectrum's fit failed
    items = json.loads(out)
    assert all(i["mask"]["n_masked"] > 0 for i in items)
    assert {i["weighting"] for i in items} == {"proportional"}


def test_how_many_workers(monkeypatch):
    from sselab.eis import kernel
    from sselab.exceptions import SselabError

    assert _eis_batch.workers(10, None) == 1  # too few files to fork for
    assert _eis_batch.workers(5000, 1) == 1
    assert _eis_batch.workers(5000, 3) == 3  # asked for: whatever the load
    monkeypatch.setattr(_eis_batch.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5, 6, 7}, raising=False)
    monkeypatch.setattr(kernel, "cores_free", lambda: True)
    assert _eis_batch.workers(5000, None) == _eis_batch.MAX_AUTO_JOBS
    monkeypatch.setattr(kernel, "cores_free", lambda: False)  # a busy machine: one process
    assert _eis_batch.workers(5000, None) == 1
    with pytest.raises(SselabError, match="--jobs"):
        _eis_batch.workers(5000, 0)


def test_fit_threads_only_when_asked(monkeypatch):
    import os

    monkeypatch.delenv("SSELAB_FIT_THREADS", raising=False)
    with _eis_batch.fit_threads(1, asked=True):
        assert "SSELAB_FIT_THREADS" not in os.environ
    with _eis_batch.fit_threads(2, asked=True):
        assert os.environ["SSELAB_FIT_THREADS"] == "2"
    assert "SSELAB_FIT_THREADS" not in os.environ
    with _eis_batch.fit_threads(2, asked=False):  # by default the kernels decide alone
        assert "SSELAB_FIT_THREADS" not in os.environ
    monkeypatch.setenv("SSELAB_FIT_THREADS", "1")  # the user's setting is kept
    with _eis_batch.fit_threads(2, asked=True):
        assert os.environ["SSELAB_FIT_THREADS"] == "1"


def _worker_state(chunk):
    import os
    import signal

    return [(signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM), os.environ.get("SSELAB_FIT_THREADS"))]


def _die(chunk):
    import os
    import signal

    if chunk.start == 0:
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
    return list(chunk)


def test_workers_leave_ctrl_c_to_the_parent_and_never_pool_threads():
    import signal

    states = _eis_batch._map(_worker_state, 60, 2)
    assert states and all(s == [(signal.SIG_IGN, signal.SIG_DFL, "1")] for s in states)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # this process untouched


def test_a_worker_that_dies_is_an_error_not_a_wait():
    from sselab.exceptions import SselabError

    with pytest.raises(SselabError, match="worker process ended abruptly"):
        _eis_batch._map(_die, 100, 2)
    assert _eis_batch._map(len, 100, 2) == [25, 25, 25, 25]  # in order, one result per chunk


def test_no_more_workers_than_runs_of_files(monkeypatch):
    import concurrent.futures

    sizes = []

    class Recording(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, max_workers, **kwargs):
            sizes.append(max_workers)
            super().__init__(max_workers, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Recording)
    assert _eis_batch._map(len, 30, 64) == [25, 5]
    assert sizes == [2]  # two runs of files (25 + 5): two processes, not 64


def test_a_note_is_printed_when_the_file_then_fails(cli, files, monkeypatch, tmp_path):
    short = tmp_path / "short_two.csv"  # two sweeps of 5 points: --mask 30 is beyond the first
    lines = files[0].read_text().splitlines()
    short.write_text("\n".join([lines[0], *lines[1:6], *lines[1:6]]) + "\n")
    args = [*files[:3], short, "--mask", "30"]
    one = _run(cli, monkeypatch, args, 1)
    assert _run(cli, monkeypatch, args, 2) == one
    rc, out, err = one
    assert rc == 2 and "short_two.csv holds 2 spectra; using spectrum 0" in err
    assert "beyond its 5 points" in json.loads(out)[3]["error"]


@pytest.mark.parametrize("plot", [False, True])
def test_the_collector_is_paused_unless_figures_are_made(cli, files, monkeypatch, tmp_path, plot):
    """``eis fit`` holds every result alive and makes no cycles: the cyclic collector pauses for
    the command (and is on again after); figures make cycles, so with ``--plot`` it runs."""
    import gc

    from sselab.eis import batch

    seen = []
    fit_batch = batch.fit_circuit_batch

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return fit_batch(*args, **kwargs)

    monkeypatch.setattr(batch, "fit_circuit_batch", spy)
    extra = ["--plot", str(tmp_path / "fit.png")] if plot else []
    rc, _, _ = cli("eis", "fit", files[0], files[1], "--circuit", CIRCUIT, "--json", "--jobs", "1", *extra)
    assert rc == 0 and seen == [plot] and gc.isenabled()
    assert (tmp_path / f"fit_{files[0].stem}.png").is_file() == plot


def _blas_threads() -> list[int]:
    from threadpoolctl import threadpool_info

    return [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]


_REAL_READ_CHUNK = _eis_batch._read_chunk


def _read_chunk_noting_blas(chunk):
    """A reader worker's chunk, each file's notes with the worker's BLAS thread count."""
    threads = max(_blas_threads())
    return [(items, error, notes + [f"blas {threads}"]) for items, error, notes in _REAL_READ_CHUNK(chunk)]


def test_blas_stays_on_one_thread_through_the_command(cli, files, monkeypatch):
    """BLAS is limited once for the whole command, in this process and in the forked workers
    (not set and restored around each of the engine's sections: OpenBLAS's thread then woke
    between them and spun beside the other worker), and restored afterwards."""
    from sselab.cli import _eis_batch as batch_mod
    from sselab.eis import verdicts

    before = _blas_threads()
    if not before or max(before) <= 1:
        pytest.skip("BLAS runs one thread here already: nothing to limit")
    seen: list[list[int]] = []
    real_prepare = verdicts.prepare_outputs

    def prepare(fits):  # outside the engine's own pinned sections, in this process
        seen.append(_blas_threads())
        return real_prepare(fits)

    monkeypatch.setattr(verdicts, "prepare_outputs", prepare)
    rc, out, _ = cli("eis", "fit", *files[:3], "--circuit", CIRCUIT, "--json", "--jobs", "1")
    assert rc in (0, 3) and seen and all(max(s) == 1 for s in seen)
    assert _blas_threads() == before
    # in the workers: the limit is inherited by the forked readers and writers
    monkeypatch.setattr(batch_mod, "MIN_FILES", 2)
    monkeypatch.setattr(batch_mod, "_read_chunk", _read_chunk_noting_blas)
    rc, out, err = cli("eis", "fit", *files, "--circuit", CIRCUIT, "--json", "--jobs", "2")
    assert err.count("blas 1") == len(files) and "blas 2" not in err
    assert _blas_threads() == before
