"""Mutated real files (issue #22): every reader answers with a reading or a one-line
ReaderError — never another exception (a traceback for the user)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sselab.exceptions import ReaderError
from sselab.io import read

FILES = ["pyimpspec__data.mpt", "pyimpspec__data.z", "pyimpspec__data-tab.csv", "pyimpspec__data-dta",
         "pyimpspec__data.idf", "impedancepy__exampleDataAutolab.txt", "cellpy__pec_Test25195.csv",
         "gamryparser__eispot_data.dta"]
NOISE = [b"\t", b",", b";", b"\n", b"-", b".", b"e", b"nan", b"1e999", b"\x00", b"\"", b"0", b"inf", b" "]


@pytest.fixture(scope="module")
def originals(shared_data):
    d = shared_data / "realfiles"
    if not d.is_dir():
        pytest.skip("realfiles corpus absent")
    return {name: (d / name).read_bytes() for name in FILES}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from(FILES), edits=st.lists(
    st.tuples(st.floats(0, 1), st.integers(0, 8), st.sampled_from(NOISE)), min_size=1, max_size=4))
def test_mutants_read_or_refuse_cleanly(originals, tmp_path, which, edits):
    data = bytearray(originals[which])
    for where, delete, insert in edits:
        i = int(where * len(data))
        data[i:i + delete] = insert
    suffix = "." + which.rsplit(".", 1)[-1] if "." in which else ""
    p = tmp_path / f"m{suffix}"
    p.write_bytes(bytes(data))
    try:
        read(p)
    except ReaderError as exc:
        assert "\n" not in str(exc)


def test_gamry_units_line_longer_than_its_header_is_read_or_refused_cleanly(shared_data, tmp_path):
    """Found by the fuzz test: a tab inserted into a CURVE table's units line made the reader
    index past a row's fields (IndexError traceback)."""
    from sselab.exceptions import SselabError
    from sselab.io import read

    data = bytearray((shared_data / "realfiles/pyimpspec__data-dta").read_bytes())
    i = int(0.095703125 * len(data))
    data[i:i] = b"\t"
    f = tmp_path / "mutant.dta"
    f.write_bytes(bytes(data))
    try:
        read(f)
    except SselabError:
        pass
