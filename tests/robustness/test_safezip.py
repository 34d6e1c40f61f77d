"""Zip members are checked before they are inflated (io.safezip) and .brml uses it."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from sselab.exceptions import ReaderError
from sselab.io import safezip
from sselab.io.safezip import open_zip, read_member


def bomb_bytes(size: int = 300 * 2**20, name: str = "Experiment0/RawData0.xml") -> bytes:
    """A valid zip whose one member inflates to ``size`` bytes of zeros (~1000:1), built from one
    compressed MiB repeated (full-flush deflate blocks are byte-aligned and independent)."""
    block = b"\0" * 2**20
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    n = size // 2**20
    data = piece * n + comp.flush()
    crc = 0
    for _ in range(n):
        crc = zlib.crc32(block, crc)
    fname = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), n * 2**20, len(fname), 0)
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data), n * 2**20,
                          len(fname), 0, 0, 0, 0, 0, 0)
    cd_offset = len(local) + len(fname) + len(data)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central) + len(fname), cd_offset, 0)
    return local + fname + data + central + fname + end


@pytest.fixture(scope="module")
def small_bomb() -> bytes:
    return bomb_bytes(20 * 2**20)


def test_a_zip_bomb_brml_is_refused_by_ratio(tmp_path, small_bomb):
    from sselab.io import read

    path = tmp_path / "bomb.brml"
    path.write_bytes(small_bomb)
    assert len(small_bomb) < 100_000
    with pytest.raises(ReaderError, match=r"compression ratio \d+:1 .*zip bomb; refused"):
        read(path)


def test_declared_size_over_the_ceiling_is_refused_before_inflating(monkeypatch, small_bomb):
    monkeypatch.setattr(safezip, "MAX_MEMBER_BYTES", 10 * 2**20)
    with open_zip(io.BytesIO(small_bomb), "x.brml") as z:
        with pytest.raises(ReaderError, match="would inflate to 20 MiB .more than 10 MiB"):
            read_member(z, z.namelist()[0], "x.brml")


def test_a_member_lying_about_its_size_stops_at_the_declared_size(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("a.xml", b"x" * 1000)
    raw = bytearray(buf.getvalue())
    # shrink the declared size in the central directory (offset 24 of the entry) to 10 bytes
    cd = raw.rfind(b"PK\x01\x02")
    raw[cd + 24:cd + 28] = (10).to_bytes(4, "little")
    lh = raw.find(b"PK\x03\x04")
    raw[lh + 22:lh + 26] = (10).to_bytes(4, "little")
    with open_zip(io.BytesIO(bytes(raw)), "x") as z:
        # reading stops at the declared 10 bytes; the CRC then no longer matches
        with pytest.raises(ReaderError, match=r"^x: a.xml: (corrupt zip member|member inflates past)"):
            read_member(z, "a.xml", "x")


def test_encrypted_truncated_and_non_zip_brml_are_reader_errors(tmp_path, shared_data):
    from sselab.io import read

    real = (shared_data / "xrd" / "TiOF.brml").read_bytes()
    cases = {"not-zip": b"PK\x03\x04 not really", "truncated": real[: len(real) // 2], "empty": b""}
    enc = bytearray(real)  # set the "encrypted" flag bit on every member
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = enc.find(sig)
        while i >= 0:
            enc[i + off] |= 1
            i = enc.find(sig, i + 4)
    cases["encrypted"] = bytes(enc)
    for label, data in cases.items():
        path = tmp_path / f"{label}.brml"
        path.write_bytes(data)
        with pytest.raises(ReaderError) as info:
            read(path)
        assert str(path) in str(info.value), label
    path = tmp_path / "enc.brml"
    path.write_bytes(cases["encrypted"])
    with pytest.raises(ReaderError, match="encrypted"):
        read(path)


def test_the_bomb_is_a_valid_zip_of_zeros():
    with zipfile.ZipFile(io.BytesIO(bomb_bytes(3 * 2**20))) as z:
        assert z.read(z.namelist()[0]) == b"\0" * 3 * 2**20 and z.testzip() is None


def test_real_archives_pass_the_checks(shared_data):
    for rel in ("xrd/TiOF.brml", "realfiles/navani__test.ndax",
                "realfiles/nomad__Omega-2Theta_scan_high_temperature.rasx", "realfiles/pyimpspec__data.xlsx"):
        with open_zip(shared_data / rel) as z:
            for info in z.infolist():
                assert read_member(z, info, rel) == z.read(info)
