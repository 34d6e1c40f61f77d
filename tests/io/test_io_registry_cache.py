"""The tables kept between reads (io.registry's ranked readers per suffix and kind, io.columns'
column found per header) follow what changes: a reader registered after a read is ranked at
the next one, and the unknown-unit error of a kept header names each file."""

import pytest

from sselab.exceptions import ReaderError
from sselab.io import registry
from sselab.io.columns import find_column


@pytest.fixture
def scratch_registry():
    try:
        yield
    finally:  # only the test's reader goes (format modules imported meanwhile keep theirs)
        registry._READERS[:] = [r for r in registry._READERS if r.name != "rvio_test_reader"]
        registry._VERSION += 1  # what was kept while the test reader existed is dropped


def test_a_reader_registered_after_a_read_is_ranked(tmp_path, scratch_registry):
    path = tmp_path / "x.rviotest"
    path.write_text("1 2\n")
    assert registry.candidates(path, None) == []  # tables built and kept for ".rviotest"
    registry.register("rvio_test_reader", [".rviotest"], ["spectrum"])(lambda p, kind: [])
    assert [r.name for r in registry.candidates(path, None)] == ["rvio_test_reader"]
    assert [r.name for r in registry.candidates(path, "spectrum")] == ["rvio_test_reader"]
    assert registry.candidates(path, "xrd") == []


def test_a_kept_header_names_each_file_in_its_error():
    header = ["f (Hz)", "Z' (furlong)", "Z'' (Ohm)"]
    assert find_column(header, "frequency", "frequency", "a.csv").factor == 1.0
    for name in ("a.csv", "b.csv"):
        with pytest.raises(ReaderError, match=rf"{name}.*unknown impedance unit 'furlong'"):
            find_column(header, "real", "impedance", name)
