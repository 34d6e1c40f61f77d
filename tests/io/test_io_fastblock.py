"""The orjson fast path of :func:`sselab.io.fastblock.loadtxt_block` gives, bit for bit, the
array ``numpy.loadtxt`` gives, and hands every block it cannot read exactly back to it."""

from __future__ import annotations

import io
import struct
from decimal import Decimal, getcontext

import numpy as np
import pytest

from sselab.io import fastblock
from sselab.io.fastblock import _json_rows, loadtxt_block

pytest.importorskip("orjson")


def _loadtxt(block: bytes, delimiter, usecols=None):
    try:
        return np.loadtxt(io.BytesIO(block), delimiter=delimiter, comments=None, ndmin=2, dtype=float,
                          usecols=usecols, encoding="utf-8")
    except ValueError:
        return None


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, dtype=float).tobytes()


def test_hard_decimals_parse_to_the_same_bits_as_loadtxt():
    """17- to 30-digit mantissas over the whole exponent range, and exact decimal midpoints
    between adjacent doubles (where a parser that is not correctly rounded goes wrong)."""
    rng = np.random.default_rng(7)
    toks = []
    for _ in range(3000):
        k = int(rng.integers(15, 31))
        digits = "".join(map(str, rng.integers(0, 10, k)))
        digits = str(int(rng.integers(1, 10))) + digits[1:]
        toks.append(f"{'-' if rng.random() < 0.5 else ''}{digits[0]}.{digits[1:]}e{int(rng.integers(-330, 300))}")
    getcontext().prec = 800
    for bits in rng.integers(1, 2**62, 600, dtype=np.int64):
        x = struct.unpack("<d", struct.pack("<q", int(bits)))[0]
        if np.isfinite(x) and x > 0:
            mid = (Decimal(x) + Decimal(float(np.nextafter(x, np.inf)))) / 2
            toks.append(format(mid, "e"))
    toks = toks[: len(toks) // 3 * 3]
    block = "\n".join(",".join(toks[i:i + 3]) for i in range(0, len(toks), 3)).encode()
    fast = _json_rows(block, ",", None)
    assert fast is not None and fast.shape == (len(toks) // 3, 3)
    assert _bits(fast) == _bits(_loadtxt(block, ","))
    assert _bits(fast.ravel()) == _bits(np.array([float(t) for t in toks]))


def test_written_spectra_parse_identically(tmp_path):
    from sselab.io.columns import read_text
    from sselab.io.writers import write_spectrum_csv
    from sselab.simulate.paper import MaterialModel, ebe_stack_spectrum

    for k in range(5):
        p = tmp_path / f"s{k}.csv"
        write_spectrum_csv(p, ebe_stack_spectrum(300.0 + 20 * k, MaterialModel(), noise=0.003, seed=k))
        raw = read_text(p).encode()
        start = raw.index(b"\n", raw.index(b"(Ohm)")) + 1
        fast = _json_rows(raw[start:], ",", None)
        assert fast is not None and fast.shape[1] == 3
        assert _bits(fast) == _bits(_loadtxt(raw[start:], ","))


@pytest.mark.parametrize(
    ("block", "delimiter"),
    [
        (b" 1.5 , 2\n3,4\n", ","),  # blanks around fields
        (b"1.5\t 2\n3\t4", "\t"),
        (b"  1 2  \n 3   4\n", None),  # runs of blanks, leading and trailing ones
        (b"1;2e-3\n3;4E+5", ";"),
        (b"1,-0.0\n2,12345678901234567890123", ","),  # -0.0 keeps its sign; a long integer rounds once
        (b"1e-400,2\n3,4", ","),  # underflow to 0
        (b"1,2\r\n3,4\r\n", ","),  # CRLF line ends (a blank to JSON)
        (b"1 2\r\n3 4\r\n", None),
        (b"5e-324,2.2250738585072011e-308\n4.9406564584124654e-324,-2.4703282292062328e-324", ","),  # subnormals
    ],
)
def test_blocks_json_reads_equal_loadtxt(block, delimiter):
    fast = _json_rows(block, delimiter, None)
    assert fast is not None
    assert _bits(fast) == _bits(_loadtxt(block, delimiter))
    assert np.signbit(fast).tolist() == np.signbit(_loadtxt(block, delimiter)).tolist()


@pytest.mark.parametrize(
    ("block", "delimiter"),
    [
        (b"1,-0\n2,3", ","),  # -0: an integer 0 to JSON, -0.0 to loadtxt
        (b"1,nan\n2,inf", ","),
        (b"+1,2\n3,4", ","),
        (b".5,2\n3,4", ","),
        (b"1.,2\n3,4", ","),
        (b"01,2\n3,4", ","),
        (b"1e400,2\n3,4", ","),  # overflow: loadtxt gives inf, orjson refuses
        (b"1,2\n\n3,4", ","),  # blank line: loadtxt skips it
        (b"1,2\n3", ","),  # ragged
        (b"1,2,\n3,4,", ","),  # trailing delimiter
        (b"1\t2,5\n3\t4", "\t"),  # a comma in a tab-separated block
        (b"1,5 2\n3 4", None),
        (b"true,2\n3,4", ","),
        (b'"1",2\n3,4', ","),
        (b"\xef\xbb\xbf1,2\n3,4", ","),  # a byte-order mark
        (b"1 2 \r\n3 4\r\n", None),  # a blank before CR: a trailing comma to JSON
        (b"0x1,2\n3,4", ","),
        (b"1" * 400 + b",2\n3,4", ","),  # beyond 64 bits
    ],
)
def test_blocks_json_cannot_read_go_to_loadtxt(block, delimiter):
    assert _json_rows(block, delimiter, None) is None
    ref = _loadtxt(block, delimiter)
    got = loadtxt_block(block, delimiter, 2)
    if ref is None or ref.shape[1] != 2:
        assert got is None
    else:
        assert _bits(got) == _bits(ref)


def test_usecols_offset_and_width():
    text = "f,a,b\n1,2,3\n4,5,6\n"
    offset = text.index("\n") + 1
    got = loadtxt_block(text, ",", 2, [0, 2], offset=offset)
    assert got.tolist() == [[1.0, 3.0], [4.0, 6.0]]
    assert loadtxt_block(text, ",", 3, [0, 2], offset=offset) is None  # not ncol wide
    assert loadtxt_block(text, ",", 2, [0, 5], offset=offset) is None  # no column 5


def test_without_orjson_loadtxt_reads_everything(monkeypatch):
    monkeypatch.setattr(fastblock, "_json_loads", None)
    assert loadtxt_block("1,2\n3,4", ",", 2).tolist() == [[1.0, 2.0], [3.0, 4.0]]
