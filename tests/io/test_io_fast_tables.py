"""The one-call numeric block of :func:`sselab.io.columns.parse_table` (``numpy.loadtxt`` after
the header is found) gives exactly what the line-by-line pass gives, and never takes a token
the whole-token number rule refuses."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.exceptions import ReaderError
from sselab.io import columns
from sselab.io.columns import parse_table, read_text


def _parse_without(shortcut: str, text: str, path):
    """parse_table with one of its shortcuts (a function of :mod:`sselab.io.columns`) switched off."""
    saved = getattr(columns, shortcut)
    setattr(columns, shortcut, lambda *a, **k: None)
    try:
        return parse_table(text, path)
    finally:
        setattr(columns, shortcut, saved)


def _careful(text: str, path: str):
    """parse_table with the one-call block switched off."""
    return _parse_without("_fast_block", text, path)


def test_fast_block_equals_the_line_by_line_pass_on_real_tables(shared_data):
    checked = 0
    for path in sorted((shared_data / "realfiles").iterdir()):
        if path.suffix.lower() not in (".csv", ".txt", ".z", ".xy", ".dat") and "P00" not in path.name:
            continue
        text = read_text(path)
        try:
            slow = _careful(text, path)
        except ReaderError as exc:
            with pytest.raises(ReaderError) as fast_exc:
                parse_table(text, path)
            assert fast_exc.value.problem == exc.problem, path.name
            continue
        fast = parse_table(text, path)
        assert fast.data.tobytes() == slow.data.tobytes(), path.name
        assert (fast.header, fast.preamble, fast.first_data_line, fast.declared_rows, fast.dropped) == \
               (slow.header, slow.preamble, slow.first_data_line, slow.declared_rows, slow.dropped), path.name
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("token", ["1_000", "0x10", "1e5e5", "1.5e", "--1", "1.2.3", "in f", "nanx", ".e5", "1e+"])
def test_tokens_outside_the_number_rule_are_refused_naming_the_line(token):
    rows = [f"{f:.6g},{10 + k},{-k - 1}" for k, f in enumerate(np.logspace(4, 0, 40))]
    rows[20] = f"{rows[20].split(',')[0]},{token},-3"
    text = "f (Hz),Z' (Ohm),Z'' (Ohm)\n" + "\n".join(rows) + "\n"
    with pytest.raises(ReaderError, match="line 22"):
        parse_table(text, "x.csv")


def test_quoted_trailing_delimiter_and_decimal_comma_rows_take_the_fast_path_with_equal_values():
    rows = [f'"{f:.6g}";"{10 + k},5";"-{k},25";' for k, f in enumerate(np.logspace(4, 0, 30))]
    text = "Freq;Zre;Zim\n" + "\n".join(rows).replace('"', "") + "\n"
    seen = []
    saved = columns._fast_block
    columns._fast_block = lambda *a: seen.append(saved(*a)) or seen[-1]
    try:
        fast = parse_table(text, "x.csv")
    finally:
        columns._fast_block = saved
    assert seen and seen[0] is not None  # the one-call path, not the fallback
    slow = _careful(text, "x.csv")
    assert fast.decimal_comma and fast.data.tobytes() == slow.data.tobytes()
    assert fast.data[1, 1] == 11.5 and fast.data[2, 2] == -2.25


def test_xy_rows_in_one_call_equal_the_line_by_line_reading(shared_data, monkeypatch):
    from sselab.exceptions import SselabError
    from sselab.io import read
    from sselab.io.formats import xrd_xy

    paths = [p for p in sorted((shared_data / "realfiles").iterdir()) if p.name.endswith((".xy", ".xy.gz", ".ras.bz2"))]
    paths = [p for p in paths if p.suffix == ".xy"]
    taken = 0
    for path in paths:
        try:
            fast = read(path, kind="diffraction")
        except SselabError:  # not an XRD .xy (an XPS .xy): nothing to compare (a traceback still fails the test)
            continue
        taken += xrd_xy._fast_rows(xrd_xy._text(path).splitlines()) is not None
        with monkeypatch.context() as m:
            m.setattr(xrd_xy, "_fast_rows", lambda lines: None)
            slow = read(path, kind="diffraction")
        assert fast[0].two_theta_deg.tobytes() == slow[0].two_theta_deg.tobytes(), path.name
        assert fast[0].intensity.tobytes() == slow[0].intensity.tobytes(), path.name
        assert fast[0].notes == slow[0].notes, path.name
    assert taken >= 1


@pytest.mark.parametrize("reader", ["gamry_dta", "biologic_mpt"])
def test_dta_and_mpt_tables_in_one_call_equal_the_row_by_row_reading(shared_data, monkeypatch, reader):
    from importlib import import_module

    from sselab.io import read

    mod = import_module(f"sselab.io.formats.{reader}")
    suffixes = (".dta",) if reader == "gamry_dta" else (".mpt",)
    paths = [p for p in sorted((shared_data / "realfiles").iterdir())
             if p.suffix.lower() in suffixes or (reader == "gamry_dta" and p.name.endswith("data-dta"))]
    assert paths
    for path in paths:
        fast = read(path)
        with monkeypatch.context() as m:
            if reader == "gamry_dta":
                m.setattr(mod.DTA, "_fast", lambda self, *a: None)
            else:
                m.setattr(mod, "_block", lambda *a: None)
            slow = read(path)
        assert len(fast) == len(slow), path.name
        for a, b in zip(fast, slow):
            for name in ("frequency_Hz", "impedance_ohm", "time_s", "current_A", "voltage_V", "potential_V"):
                if hasattr(a, name):
                    assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), (path.name, name)
            assert a.notes == b.notes, path.name


def _without_header_block(text: str, path):
    """parse_table with the one-pass header block switched off (the one-call block stays on)."""
    return _parse_without("header_block", text, path)


def _same_table(text: str, path) -> bool:
    """parse_table with and without the header block give the same table (or the same error);
    returns whether the header block took the text."""
    from sselab.io.fastblock import header_block

    try:
        slow = _without_header_block(text, path)
    except ReaderError as exc:
        with pytest.raises(ReaderError) as fast_exc:
            parse_table(text, path)
        assert fast_exc.value.problem == exc.problem
        assert header_block(text) is None
        return False
    fast = parse_table(text, path)
    assert fast.data.tobytes() == slow.data.tobytes() and fast.data.shape == slow.data.shape
    assert (fast.header, fast.preamble, fast.delimiter, fast.decimal_comma, fast.first_data_line,
            fast.declared_rows, fast.dropped) == (slow.header, slow.preamble, slow.delimiter, slow.decimal_comma,
                                                  slow.first_data_line, slow.declared_rows, slow.dropped)
    return header_block(text) is not None


def test_header_block_equals_the_general_reading_on_real_tables(shared_data):
    taken = checked = 0
    for path in sorted((shared_data / "realfiles").iterdir()):
        if path.suffix.lower() not in (".csv", ".txt", ".z", ".xy", ".dat") and "P00" not in path.name:
            continue
        taken += _same_table(read_text(path), path)
        checked += 1
    assert checked >= 10 and taken >= 1


def _rows(delim: str = ",", n: int = 40) -> list[str]:
    return [delim.join(repr(float(v)) for v in (f, 10.0 + k, -1.5e-3 * (k + 1)))
            for k, f in enumerate(np.logspace(6, -1, n))]


@pytest.mark.parametrize("delim", [",", ";", "\t"])
def test_the_written_layout_takes_the_header_block(tmp_path, delim):
    text = "# Temperature: 300.5 K\n" + delim.join(["frequency (Hz)", "Re(Z) (Ohm)", "-Im(Z) (Ohm)"]) + "\n" \
        + "\n".join(_rows(delim)) + "\n"
    assert _same_table(text, tmp_path / "x.csv")
    table = parse_table(text, "x.csv")
    assert table.header == ["frequency (Hz)", "Re(Z) (Ohm)", "-Im(Z) (Ohm)"] and table.first_data_line == 3
    assert table.preamble == ["# Temperature: 300.5 K"] and table.delimiter == delim
    assert table.data[0].tolist() == [1e6, 10.0, -1.5e-3]


_HEAD = "f (Hz),Z' (Ohm),Z'' (Ohm)\n"


@pytest.mark.parametrize("text, taken", [
    (_HEAD + "\n".join(_rows()) + "\n", True),
    ("Ω sample\n\n  \n" + _HEAD + "\n".join(_rows()) + "\n", True),           # non-ASCII and blank preamble
    (_HEAD + "\n".join(_rows()), False),                                       # no line end: maybe cut
    (_HEAD + "\n".join(_rows()) + "\n\n", False),                              # trailing blank line
    (_HEAD.replace("\n", "\r\n") + "\r\n".join(_rows()) + "\r\n", False),      # CRLF
    (_HEAD + "40\n" + "\n".join(_rows()) + "\n", False),                       # declared point count
    (_HEAD + "\n".join(_rows()[:20]) + "\n\n" + "\n".join(_rows()[20:]) + "\n", False),  # blank line inside
    (_HEAD + "\n".join(_rows()) + ",\n", False),                               # trailing delimiter
    (_HEAD + "\n".join(_rows()[:-1]) + "\n1,2\n", False),                      # ragged last row
    (_HEAD + "\n".join(_rows()[:-1]) + "\n1,2,3,4\n", False),                  # ragged last row
    (_HEAD + "\n".join(_rows()[:-1]) + "\n-0,1,2\n", False),                   # -0 (loadtxt: -0.0)
    (_HEAD + "\n".join(_rows()[:-1]) + "\n1,nan,2\n", False),                  # nan
    (_HEAD + "\n".join(_rows()[:-1]) + "\n.5,1,2\n", False),                   # not JSON's syntax
    (_HEAD + "\n".join(_rows()[:-1]) + "\n1,1 ,2\n", False),                   # blank in a row
    ("1,2,3\n" + _HEAD + "\n".join(_rows()) + "\n", False),                    # numbers above the header
    ("5\n" + _HEAD + "\n".join(_rows()) + "\n", False),                        # a number above the header
    ("f (Hz),Z'\n" + "\n".join(_rows()) + "\n", False),                        # header narrower than rows
    ("1,2,3\n" + "\n".join(_rows()) + "\n", False),                            # no header
    (_HEAD + "\n".join(_rows(n=2)) + "\n", False),                             # fewer than 3 rows
    ("x\x0bnote\n" + _HEAD + "\n".join(_rows()) + "\n", False),                # another line break
])
def test_header_block_takes_only_what_the_general_reading_reads_the_same(text, taken):
    assert _same_table(text, "x.csv") is taken
