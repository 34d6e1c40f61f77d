"""Every bad input gives a one-line ReaderError that names the file and the problem."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from sselab.exceptions import ReaderError
from sselab.io import read
from sselab.io.checks import make_spectrum

GOOD = "frequency (Hz),Z' (Ohm),Z'' (Ohm)\n1000,10,-1\n100,12,-5\n10,15,-3\n1,16,-1\n"


def _check(path, match, kind="spectrum"):
    with pytest.raises(ReaderError) as info:
        read(path, kind=kind)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message
    assert path.name in message
    assert pytest.importorskip("re").search(match, info.value.problem), info.value.problem


@pytest.mark.parametrize(
    "name, text, match",
    [
        ("empty.csv", "", r"empty"),
        ("blank.csv", "\n \n\t\n", r"empty"),
        ("header_only.csv", "f,Z',Z''\n", r"no .*(data|table)"),
        ("truncated.csv", GOOD + "0.1,17", r"line 6 has 2 fields, expected 3 \(truncated"),
        ("nonnumeric.csv", GOOD.replace("100,12,-5", "100,abc,-5"), r"line 3: 'abc' is not a number"),
        ("nan.csv", GOOD.replace("100,12,-5", "100,nan,-5"), r"NaN .* point 2"),
        ("negative.csv", GOOD.replace("10,15", "-10,15"), r"frequency -10 Hz at point 3 is not positive"),
        ("duplicate.csv", GOOD.replace("10,15", "100,15"), r"duplicate frequencies \(100 Hz"),
        ("few.csv", "f,Z',Z''\n1000,10,-1\n100,12,-5\n", r"only 2 points"),
        ("nofreq.csv", "a,Z',Z''\n1,2,3\n2,3,4\n3,4,5\n", r"no frequency column"),
        ("noimp.csv", "freq,a,b\n1,2,3\n2,3,4\n3,4,5\n", r"no impedance columns"),
        ("four.csv", "1,2,3,4\n2,3,4,5\n3,4,5,6\n", r"headerless spectrum must have 3 columns"),
        ("unit.csv", "f (Hz),Z' (furlong),Z'' (Ohm)\n1,2,-3\n2,3,-4\n3,4,-5\n", r"unknown impedance unit 'furlong'"),
        ("binary.csv", "\x00\x01\x02garbage", r"binary"),
    ],
)
def test_bad_csv_spectrum(tmp_path, name, text, match):
    path = tmp_path / name
    path.write_text(text)
    _check(path, match)


def test_zero_frequency_row_dropped_with_note(tmp_path):
    path = tmp_path / "zero.csv"
    path.write_text(GOOD.replace("1,16,-1", "0,16,-1"))
    [s] = read(path, kind="spectrum")
    assert s.frequency_Hz.tolist() == [1000, 100, 10]
    assert any("1 of 4 rows with frequency 0" in n for n in s.notes)


def test_bad_mpt(tmp_path, shared_data):
    good = (shared_data / "biologic" / "peis.mpt").read_bytes()
    lines = good.split(b"\n")
    cut = tmp_path / "cut.mpt"
    cut.write_bytes(b"\n".join(lines[:80]) + b"\n" + lines[80][:30])
    _check(cut, r"line 81 has \d+ fields, expected 30 \(truncated")
    bad = tmp_path / "bad.mpt"
    bad.write_bytes(b"\n".join(lines[:75] + [lines[75].replace(b"\t", b"\tx", 1)] + lines[76:]))
    _check(bad, r"line 76: 'x[^']*' is not a number")
    header_only = tmp_path / "header.mpt"
    header_only.write_bytes(b"\n".join(lines[:70]))
    _check(header_only, r"no data rows")
    short = tmp_path / "short.mpt"
    short.write_bytes(b"\n".join(lines[:5]))
    _check(short, r"Nb header lines : 70.*truncated")


def test_bad_mpr(tmp_path, shared_data):
    garbage = tmp_path / "garbage.mpr"
    garbage.write_bytes(b"BIO-LOGIC MODULAR FILE\x1a" + bytes(range(256)) * 4)
    _check(garbage, r"galvani cannot read")
    cut = tmp_path / "cut.mpr"
    cut.write_bytes((shared_data / "biologic" / "peis.mpr").read_bytes()[:3000])
    _check(cut, r"galvani cannot read|no data")


def test_bad_dta(tmp_path, shared_data):
    lines = (shared_data / "eis" / "exampleDataGamry.DTA").read_text(encoding="latin-1").splitlines()
    cut = tmp_path / "cut.DTA"
    cut.write_text("\n".join(lines[:-1] + [lines[-1][:20]]), encoding="latin-1")
    _check(cut, r"fields, expected 11 \(truncated")
    not_dta = tmp_path / "x.DTA"
    not_dta.write_text("hello\nworld\n")
    _check(not_dta, r"not a Gamry DTA")
    cv = tmp_path / "cv.DTA"
    shutil.copy(shared_data / "gamry" / "gamry_cv.DTA", cv)
    _check(cv, r"no ZCURVE")


def test_bad_z(tmp_path):
    path = tmp_path / "x.z"
    path.write_text("ZPLOT2 ASCII\nno end of header\n")
    _check(path, r"End Comments")


def test_wrong_file_type(tmp_path):
    path = tmp_path / "x.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    _check(path, r"no spectrum reader for this file type \(\.png\)")


def test_bad_dc_csv(tmp_path):
    path = tmp_path / "no_current.csv"
    path.write_text("time (s),E (V)\n0,1\n1,1\n2,1\n")
    _check(path, r"no current column", kind="transient")
    back = tmp_path / "back.csv"
    back.write_text("time (s),I (mA),E (V)\n0,1,1\n2,1,1\n1,1,1\n")
    _check(back, r"time goes backwards at point 3", kind="transient")
    nohead = tmp_path / "nohead.csv"
    nohead.write_text("0,1,1\n1,1,1\n2,1,1\n")
    _check(nohead, r"no header row", kind="galvanostatic")


def test_multi_spectrum_labels_the_bad_one():
    with pytest.raises(ReaderError, match=r"x\.mpt: spectrum 2 of 3: only 2 points"):
        make_spectrum("x.mpt", [1.0, 2.0], [1 - 1j, 2 - 1j], label="spectrum 2 of 3")
    s = make_spectrum("x.csv", np.array([3.0, 2.0, 1.0]), np.array([1, 2, 3]) - 1j)
    assert s.frequency_Hz.tolist() == [3.0, 2.0, 1.0]  # file order kept
