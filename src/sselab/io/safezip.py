"""Reading members of zip-based files (.brml, .rasx, .ndax, .xlsx, ...) without zip bombs.

Every member is checked *before* it is inflated: its declared size against
:data:`MAX_MEMBER_BYTES`, the archive's declared total against :data:`MAX_TOTAL_BYTES`, its
compression ratio against :data:`MAX_RATIO` (members over :data:`RATIO_FLOOR_BYTES` only:
a small file of zeros may compress 1000×), encryption and compression method.  Reading is
then capped at the declared size, so a member that lies about its size cannot inflate past it.
Every failure is a :class:`~sselab.exceptions.ReaderError` naming the file and member.

Real instrument archives sit far inside these limits (the shared TiOF.brml: 9 members, largest
0.6 MB at 12×; a Rigaku .rasx 10×; a Neware .ndax 40×).

Example
-------
>>> import io, zipfile
>>> buf = io.BytesIO()
>>> with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
...     z.writestr("RawData0.xml", b"<a/>")
>>> with open_zip(buf, "x.brml") as z:
...     read_member(z, "RawData0.xml", "x.brml")
b'<a/>'
"""

from __future__ import annotations

import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from ..exceptions import ReaderError

#: Largest inflated size of one member [bytes].
MAX_MEMBER_BYTES = 256 * 2**20
#: Largest inflated size of all members together [bytes].
MAX_TOTAL_BYTES = 1024 * 2**20
#: Largest compression ratio (inflated / compressed) of a member bigger than RATIO_FLOOR_BYTES.
MAX_RATIO = 200.0
#: Members up to this inflated size are not ratio-checked [bytes].
RATIO_FLOOR_BYTES = 2**20
#: Most members an archive may list.
MAX_MEMBERS = 10_000

_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError)


@contextmanager
def open_zip(path: str | Path | IO[bytes], label: str | Path | None = None) -> Iterator[zipfile.ZipFile]:
    """Open a zip archive; :class:`ReaderError` if it is not one, or lists too much."""
    where = label if label is not None else path
    try:
        z = zipfile.ZipFile(path)
    except _ERRORS as exc:
        raise ReaderError(where, f"not a readable zip archive ({type(exc).__name__}: {str(exc)[:120]})") from None
    try:
        infos = z.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ReaderError(where, f"zip archive lists {len(infos)} members (more than {MAX_MEMBERS}); refused")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES:
            raise ReaderError(where, f"zip archive would inflate to {total / 2**20:.0f} MiB "
                              f"(more than {MAX_TOTAL_BYTES // 2**20} MiB); refused")
        yield z
    finally:
        z.close()


def check_member(info: zipfile.ZipInfo, where: str | Path) -> None:
    """Refuse a member that is encrypted, oddly compressed, too large or compressed too well."""
    name = info.filename
    if info.flag_bits & 0x1:
        raise ReaderError(where, f"{name}: member is encrypted; export the file unencrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        raise ReaderError(where, f"{name}: unsupported zip compression method {info.compress_type}")
    if info.file_size > MAX_MEMBER_BYTES:
        raise ReaderError(where, f"{name}: member would inflate to {info.file_size / 2**20:.0f} MiB "
                          f"(more than {MAX_MEMBER_BYTES // 2**20} MiB); refused")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > RATIO_FLOOR_BYTES and ratio > MAX_RATIO:
        raise ReaderError(where, f"{name}: compression ratio {ratio:.0f}:1 (more than {MAX_RATIO:.0f}:1) "
                          "looks like a zip bomb; refused")


def read_member(z: zipfile.ZipFile, name: str | zipfile.ZipInfo, where: str | Path) -> bytes:
    """The inflated bytes of member ``name`` after :func:`check_member`; never more than its
    declared size (a larger stream is an error, not a bigger buffer)."""
    try:
        info = name if isinstance(name, zipfile.ZipInfo) else z.getinfo(name)
    except KeyError:
        raise ReaderError(where, f"zip archive has no member {name!r}") from None
    check_member(info, where)
    chunks: list[bytes] = []
    got = 0
    try:
        with z.open(info) as fh:
            while True:
                chunk = fh.read(2**20)
                if not chunk:
                    break
                got += len(chunk)
                if got > info.file_size:
                    raise ReaderError(where, f"{info.filename}: member inflates past its declared size; refused")
                chunks.append(chunk)
    except ReaderError:
        raise
    except _ERRORS as exc:
        raise ReaderError(where, f"{info.filename}: corrupt zip member ({type(exc).__name__}: {str(exc)[:120]})") from None
    return b"".join(chunks)
