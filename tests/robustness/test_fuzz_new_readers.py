"""Fuzz and time bounds for the readers added in issue #15 (.par, .pssession, .dfr, Arbin .res):
mutated files give data or a SselabError, never a traceback; large or pathological files are read
(or refused) in bounded time — a guard against hangs, not a speed claim (benchmarks/ has those).

Synthetic .par/.pssession files come from the builders of tests/io/test_io_new_readers.py; the
.dfr and .res are the real files of ../shared/data.  Derandomised, ~20 examples per reader.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sselab.exceptions import ReaderError

from test_fuzz_readers import _read_ok_or_sselab_error, mutate, mutation  # this folder's module (rootdir mode)


def _builders():
    """The synthetic-file builders of tests/io/test_io_new_readers.py (one source of the layouts)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "io" / "test_io_new_readers.py"
    spec = importlib.util.spec_from_file_location("_new_reader_builders", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod._eis, mod._par, mod._session


_eis, _par, _session = _builders()

SYNTHETIC = {"eis.par": lambda: _par().encode(), "s.pssession": lambda: _session([_eis()])}
REAL = {"d.dfr": "realfiles/pyimpspec__data.dfr"}


@pytest.mark.parametrize("name", sorted(SYNTHETIC) + sorted(REAL))
@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(mutation, min_size=1, max_size=4))
def test_mutated_files_never_raise_a_traceback(shared_data, tmp_path, name, ops):
    data = SYNTHETIC[name]() if name in SYNTHETIC else (shared_data / REAL[name]).read_bytes()
    target = tmp_path / name
    target.write_bytes(mutate(data, ops))
    _read_ok_or_sselab_error(target)


@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(st.tuples(st.sampled_from(["flip", "insert", "replace"]), st.floats(0, 1),
                              st.integers(0, 20)), min_size=1, max_size=3))
def test_mutated_access_database_never_raises_a_traceback(shared_data, tmp_path, ops):
    target = tmp_path / "a.res"
    target.write_bytes(mutate((shared_data / "realfiles" / "navani__arbin_example.res").read_bytes(), ops))
    t0 = time.perf_counter()
    _read_ok_or_sselab_error(target)
    assert time.perf_counter() - t0 < 60


def test_large_par_and_pssession_are_read_in_bounded_time(tmp_path):
    n = 50_000
    f = np.logspace(6, -2, n)
    z = 10 + 1000 / (1 + 1j * f / 1e3)
    rows = [f"0,{k},0,0,{k * 0.01!r},0,5,1,0,{float(fk)!r},1,2,3,4,{float(zk.real)!r},{float(zk.imag)!r},5,0,0,0,0,0,21,0.01"
            for k, (fk, zk) in enumerate(zip(f, z))]
    par = tmp_path / "big.par"
    par.write_text(_par(rows=rows))
    ses = tmp_path / "big.pssession"
    ses.write_bytes(_session([_eis(f=f, z=z)]))
    for p in (par, ses):
        t0 = time.perf_counter()
        from sselab.io import read

        [s] = read(p)
        assert s.n_points == n and time.perf_counter() - t0 < 30


def test_pathological_dfr_declaring_a_million_points_is_quick(tmp_path):
    p = tmp_path / "huge.dfr"
    p.write_text("VERSION8.0\n1000000\n1\n" + "1.0\n" * 9 * 3)
    t0 = time.perf_counter()
    from sselab.io import read

    with pytest.raises(ReaderError):  # three identical frequencies: duplicate points
        read(p)
    assert time.perf_counter() - t0 < 5
