"""Readers added for issue #15: Autolab ``.dfr`` (the peer pyimpspec reads it), checked
against the same spectrum in its BioLogic ``.mpt`` twin, and strict on cut or damaged files."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.exceptions import ReaderError
from sselab.io import read


def test_dfr_equals_the_same_spectrum_in_its_mpt_twin(shared_data):
    [s] = read(shared_data / "realfiles" / "pyimpspec__data.dfr")
    [ref] = read(shared_data / "realfiles" / "pyimpspec__data.mpt")  # pyimpspec's test data: one spectrum, 5 formats
    assert s.instrument == "autolab-dfr" and s.n_points == 29 and s.verdict.status == "ok"
    np.testing.assert_allclose(s.frequency_Hz, ref.frequency_Hz, rtol=1e-6)
    np.testing.assert_allclose(s.impedance_ohm, ref.impedance_ohm, rtol=1e-6)
    # read off the file by hand: point 1 and point 29
    assert s.frequency_Hz[0] == 10000.0 and s.impedance_ohm[0] == complex(109.00918219439028, -26.55567987651522)
    assert s.frequency_Hz[-1] == 1.0 and s.impedance_ohm[-1] == complex(645.4787001504939, -90.61812830738303)


def test_dfr_cut_anywhere_never_changes_a_value(shared_data, tmp_path):
    full = (shared_data / "realfiles" / "pyimpspec__data.dfr").read_bytes()
    [ref] = read(shared_data / "realfiles" / "pyimpspec__data.dfr")
    cut = tmp_path / "cut.dfr"
    short_warned = 0
    for n in range(20, len(full), 7):
        cut.write_bytes(full[:n])
        try:
            [s] = read(cut)
        except ReaderError:
            continue
        k = s.n_points
        np.testing.assert_array_equal(s.frequency_Hz, ref.frequency_Hz[:k])
        np.testing.assert_array_equal(s.impedance_ohm, ref.impedance_ohm[:k])
        if k < ref.n_points:
            assert s.verdict.status == "warning" and "declared_count_mismatch" in s.verdict.codes
            short_warned += 1
    assert short_warned > 100  # most cuts were read as a shorter spectrum, each with a warning


def test_dfr_with_a_word_inside_a_point_is_an_error_naming_the_line(shared_data, tmp_path):
    lines = (shared_data / "realfiles" / "pyimpspec__data.dfr").read_text().splitlines()
    lines[13] = "oops"  # line 14: the second point's frequency
    bad = tmp_path / "bad.dfr"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(ReaderError, match="line 14"):
        read(bad)
