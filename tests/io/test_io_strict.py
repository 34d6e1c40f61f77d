"""Strict parsing (issue #22): a number is a whole token, a cut file never yields altered
values, a malformed row never silently drops the rows above it, parsing time is linear."""

from __future__ import annotations

import time

import numpy as np
import pytest

from sselab.exceptions import ReaderError
from sselab.io import read

F = np.logspace(5, -1, 25)
Z = 100 + 1e4 / (1 + 1j * F / 1e3)


def _csv(tmp_path, name="s.csv"):
    p = tmp_path / name
    np.savetxt(p, np.c_[F, Z.real, Z.imag], delimiter=",", header="f (Hz),Z' (Ohm),Z'' (Ohm)", comments="")
    return p


def test_cut_at_every_byte_never_changes_a_value(tmp_path):
    full = _csv(tmp_path).read_bytes()
    header_end = full.index(b"\n") + 1
    cut = tmp_path / "cut.csv"
    silent_short = 0
    tail = full.rstrip(b"\n").rsplit(b"\n", 3)[0]
    for n in list(range(header_end, header_end + 60)) + list(range(len(tail), len(full))):
        cut.write_bytes(full[:n])
        try:
            [s] = read(cut, kind="spectrum")
        except ReaderError:
            continue
        k = s.n_points
        np.testing.assert_array_equal(s.frequency_Hz, F[:k])
        np.testing.assert_allclose(s.impedance_ohm, Z[:k], rtol=1e-15)
        complete = full[:n].count(b"\n") - 1
        if k < complete or (k == complete and not full[:n].endswith(b"\n") and n < len(full) - 1):
            silent_short += s.verdict.status == "ok" and k < complete
    assert silent_short == 0


def test_cut_inside_exponent_is_dropped_with_warning(tmp_path):
    full = _csv(tmp_path).read_bytes()
    cut = tmp_path / "cut.csv"
    cut.write_bytes(full[:-2])  # "...e-0" left of the last Z'' ("e-01")
    [s] = read(cut, kind="spectrum")
    assert s.n_points == F.size - 1
    assert s.verdict.status == "warning" and "rows_dropped" in s.verdict.codes


@pytest.mark.parametrize("bad", ["100,12", "hello world", "1e3,2,3,4"])
def test_malformed_row_in_the_middle_is_an_error_not_a_loss(tmp_path, bad):
    lines = _csv(tmp_path).read_text().splitlines()
    lines.insert(12, bad)
    p = tmp_path / "bad.csv"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(ReaderError, match=r"line 13"):
        read(p, kind="spectrum")


@pytest.mark.parametrize("token", ["1_000", "1.0.0", "0x10", "1e5e5"])
def test_number_is_a_whole_token(tmp_path, token):
    lines = _csv(tmp_path).read_text().splitlines()
    fields = lines[5].split(",")
    fields[1] = token
    lines[5] = ",".join(fields)
    p = tmp_path / "tok.csv"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(ReaderError, match="line 6"):
        read(p, kind="spectrum")


def test_point_count_line_between_header_and_numbers(tmp_path):
    body = _csv(tmp_path).read_text().splitlines()
    p = tmp_path / "count.txt"
    p.write_text("\n".join([body[0], "25"] + body[1:]) + "\n")
    [s] = read(p)
    assert s.n_points == 25 and s.verdict.status == "ok"
    p.write_text("\n".join([body[0], "30"] + body[1:]) + "\n")
    [s] = read(p)
    assert s.verdict.codes == ("declared_count_mismatch",)


def test_pathological_lines_parse_in_linear_time(tmp_path):
    # decimal-comma rows with trailing text (the Maccor line that made a regex backtrack)
    row = "1,5;2,25;" + "1,2," * 40 + "x\n"
    p = tmp_path / "patho.txt"
    for n in (2000, 8000):
        p.write_text("f;Z';Z''\n" + row * n)
        t0 = time.perf_counter()
        for kind in ("spectrum", "transient", None):
            try:
                read(p, kind=kind)
            except ReaderError:
                pass
        elapsed = time.perf_counter() - t0
        assert elapsed < 5.0, (n, elapsed)


@pytest.mark.parametrize("name", ["pyimpspec__data.mpt", "pyimpspec__data.z", "pyimpspec__data-tab.csv",
                                  "pyimpspec__data.idf"])
def test_real_files_cut_near_the_end_never_change_a_value(shared_data, tmp_path, name):
    src = shared_data / "realfiles" / name
    if not src.exists():
        pytest.skip("realfiles corpus absent")
    full = src.read_bytes()
    [ref] = read(src)
    cut = tmp_path / ("cut" + src.suffix)
    body_end = len(full.rstrip(b"\r\n"))
    for n in range(body_end - 150, body_end + 1):
        cut.write_bytes(full[:n])
        try:
            [s] = read(cut)
        except ReaderError:
            continue
        k = s.n_points
        # a cut that only removes digits beyond double precision (17th digit) changes nothing
        np.testing.assert_allclose(s.frequency_Hz, ref.frequency_Hz[:k], rtol=1e-12)
        np.testing.assert_allclose(s.impedance_ohm, ref.impedance_ohm[:k], rtol=1e-12)
        # rows whose line (whole or partial) is in the cut text; fewer read → must be a warning
        # (rows cut off entirely at a line end cannot be known missing without a declared count)
        def n_lines(b: bytes) -> int:
            return b.count(b"\n") + (0 if b.endswith(b"\n") else 1)

        present = ref.n_points - (n_lines(full) - n_lines(full[:n]))
        if k < present:
            assert s.verdict.status == "warning", (n, k, present)
