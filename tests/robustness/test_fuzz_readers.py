"""Fuzzing every reader with mutated real files (hypothesis), truncation at every byte of small
files, and malformed rows: a reader returns data or raises a SselabError — never a traceback.

Bounded for CI: one small real file per reader, a fixed number of derandomised examples
(reproducible: the failing input is printed by hypothesis), ~20–40 s in all.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sselab.exceptions import SselabError
from sselab.io import read

#: One small real file per reader (relative to ../shared/data): reader name → file.
FILES = {
    "xrd-xy": "realfiles/datalab__example_evadiffract.xy",
    "gamry-dta": "realfiles/gamryparser__eispot_data.dta",
    "csv-spectrum": "realfiles/pyimpspec__data-tab.csv",
    "xps-csv": "realfiles/lg4x__PET_C1s.csv",  # (header-variant-3.csv was misread as XPS until strict sniffing)
    "zview": "realfiles/pyimpspec__data.z",
    "vamas": "xps/Pt4f.vms",
    "xrd-bruker-raw": "xrd/TiO2.raw",
    "biologic-mpt": "realfiles/hybriddrt__PEIS_LPSCl_IonBlocking_-25C.txt",
    "biologic-mpr": "realfiles/yadg__peis.mpr",
    "xrd-xrdml": "xrd/210520step1_30min.xrdml",
    "phi-pro": "realfiles/yadg__test1.spe",
    "csv-spectrum-parstat": "realfiles/impedancepy__exampleDataParstat.txt",  # no shared file is csv-electrochem's
    "xrd-bruker-brml": "xrd/TiOF.brml",
    "eis-csv": "eis/exampleData.csv",
    "autolab-dfr": "realfiles/pyimpspec__data.dfr",
}
TOKENS = [b"nan", b"inf", b"-inf", b"1e999", b"-", b"e", b"--1", b"0", b",", b";", b"\t", b"\x00", b"\xff\xfe",
          b"\r", b"\n", b"1,2", b"<", b">", b"</", b"PK", b" ", b"9" * 400]


def _read_ok_or_sselab_error(path: Path):
    """Read ``path``; a SselabError is fine (returned as None); anything else fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return read(path)
        except SselabError:
            return None


mutation = st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(0, 255)),
    st.tuples(st.just("cut"), st.floats(0, 1), st.just(0)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.sampled_from(range(len(TOKENS)))),
    st.tuples(st.just("replace"), st.floats(0, 1), st.sampled_from(range(len(TOKENS)))),
    st.tuples(st.just("drop-line"), st.floats(0, 1), st.just(0)),
    st.tuples(st.just("double-line"), st.floats(0, 1), st.just(0)),
)


def mutate(data: bytes, ops: list[tuple[str, float, int]]) -> bytes:
    b = bytearray(data)
    for op, where, arg in ops:
        i = min(int(where * len(b)), max(len(b) - 1, 0))
        if op == "flip" and b:
            b[i] = arg
        elif op == "cut":
            b = b[:i]
        elif op == "insert":
            b[i:i] = TOKENS[arg]
        elif op == "replace" and b:
            b[i:i + len(TOKENS[arg])] = TOKENS[arg]
        elif op in ("drop-line", "double-line"):
            lines = bytes(b).split(b"\n")
            k = min(int(where * len(lines)), len(lines) - 1)
            lines[k:k + 1] = [] if op == "drop-line" else [lines[k], lines[k]]
            b = bytearray(b"\n".join(lines))
    return bytes(b)


@pytest.mark.parametrize("reader", sorted(FILES))
def test_the_original_file_is_read_by_its_reader(shared_data, reader):
    items = read(shared_data / FILES[reader])
    expected = {"eis-csv": "csv-spectrum", "csv-spectrum-parstat": "csv-spectrum"}.get(reader, reader)
    assert items and getattr(items[0], "instrument", expected) == expected


@pytest.mark.parametrize("reader", sorted(FILES))
@settings(max_examples=20, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(mutation, min_size=1, max_size=4))
def test_mutated_real_files_never_raise_a_traceback(shared_data, tmp_path, reader, ops):
    src = shared_data / FILES[reader]
    target = tmp_path / src.name
    target.write_bytes(mutate(src.read_bytes(), ops))
    _read_ok_or_sselab_error(target)


SMALL = ["realfiles/datalab__example_evadiffract.xy", "realfiles/gamryparser__eispot_data.dta"]
#: Files whose every cut is also checked for silently changed values (the CSV's cuts are read, not
#: just refused, so they double as its no-traceback check).
VALUES = ["realfiles/gamryparser__eispot_data.dta", "realfiles/pyimpspec__data-tab.csv"]


def _arrays(m) -> dict[str, np.ndarray]:
    return {k: v for k, v in vars(m).items() if isinstance(v, np.ndarray) and v.ndim == 1 and v.dtype.kind in "fc"}


def _truncations(shared_data: Path, tmp_path: Path, rel: str):
    """Yield (n, items or None) for the file cut after every byte n."""
    src = shared_data / rel
    data = src.read_bytes()
    target = tmp_path / src.name
    for n in range(1, len(data)):
        target.write_bytes(data[:n])
        yield n, _read_ok_or_sselab_error(target)


@pytest.mark.parametrize("rel", SMALL)
def test_truncation_at_every_byte_never_raises_a_traceback(shared_data, tmp_path, rel):
    outcomes = [items is None for _, items in _truncations(shared_data, tmp_path, rel)]
    assert any(outcomes)  # most cuts are errors: the test did read truncated files


CHANGES_VALUES: dict[str, str] = {}  # files whose cuts may change values (none since strict whole-token numbers)


@pytest.mark.parametrize("rel", [pytest.param(r, marks=pytest.mark.xfail(reason=CHANGES_VALUES[r], strict=True))
                                 if r in CHANGES_VALUES else r for r in VALUES])
def test_truncation_never_changes_a_value_silently(shared_data, tmp_path, rel):
    """A file cut anywhere gives an error, or a prefix of the original values (notes say so)."""
    original = _arrays(read(shared_data / rel)[0])
    changed = []
    for n, items in _truncations(shared_data, tmp_path, rel):
        if items is None:
            continue
        for key, v in _arrays(items[0]).items():
            o = original.get(key)
            if o is not None and v.size <= o.size and not np.allclose(v, o[:v.size], rtol=1e-12, equal_nan=True):
                changed.append((n, key))
    assert not changed, f"{len(changed)} cuts changed values silently, first at byte {changed[0][0]} ({changed[0][1]})"


@settings(max_examples=30, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=st.lists(st.sampled_from([b"1.5", b"abc", b"", b"nan", b"-", b"1e5", b"2,5", b"\x00", b"inf", b"0"]),
                    min_size=0, max_size=5), where=st.floats(0, 1))
def test_a_malformed_row_never_raises_a_traceback(shared_data, tmp_path, row, where):
    src = shared_data / "eis" / "exampleData.csv"
    lines = src.read_bytes().split(b"\n")
    k = int(where * (len(lines) - 1))
    lines.insert(k, b",".join(row))
    target = tmp_path / "exampleData.csv"
    target.write_bytes(b"\n".join(lines))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            items = read(target, kind="spectrum")
        except SselabError:
            items = None
    if items is not None:  # accepted: a row dropped or altered must be named in the notes
        n = items[0].frequency_Hz.size
        assert n >= len([ln for ln in src.read_bytes().split(b"\n") if ln.strip()]) or items[0].notes
