"""Size ceilings every file passes before a reader sees it (memory stays bounded).

The text readers hold a file as lines and fields (about ten bytes of memory per byte of
text), so a text file is limited to :data:`MAX_TEXT_BYTES` and one line to
:data:`MAX_LINE_BYTES`; any file to :data:`MAX_FILE_BYTES`.  Real instrument exports are far
smaller (the largest shared file is a few MB; a 100 000-point XRDML's counts line is ~0.7 MB).
A file beyond a ceiling is refused with one line naming the ceiling, before it is parsed.

Example
-------
>>> import tempfile, os
>>> with tempfile.NamedTemporaryFile("wb", suffix=".xy", delete=False) as fh:
...     _ = fh.write(b"1 2\\n" + b"3" * (MAX_LINE_BYTES + 1))
>>> try:
...     check_file(fh.name)
... except ReaderError as exc:
...     print(exc.problem)
line 2 is longer than 4 MiB (the ceiling for one line of a text file); refused
>>> os.unlink(fh.name)
"""

from __future__ import annotations

from pathlib import Path


from ..exceptions import ReaderError

#: Largest file of any kind [bytes].
MAX_FILE_BYTES = 1024 * 2**20
#: Largest text file [bytes] (a 2-million-row, 3-column CSV is ~80 MB; 32 MiB reads in < 800 MB).
MAX_TEXT_BYTES = 32 * 2**20
#: Longest line of a text file [bytes].
MAX_LINE_BYTES = 4 * 2**20
_CHUNK = 2**20


def _mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


def check_file(path: str | Path, size: int | None = None) -> None:
    """Refuse ``path`` when it is larger than the ceilings (text: no NUL byte in its first 8 KiB).
    ``size``: its size in bytes when the caller has just read it (no second ``stat``)."""
    p = Path(path)
    if size is None:
        size = p.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ReaderError(p, f"file is {_mib(size)}, more than the {_mib(MAX_FILE_BYTES)} any reader accepts; refused")
    if size <= min(MAX_LINE_BYTES, MAX_TEXT_BYTES):
        return  # under every text ceiling, and no line of it can be longer than the file
    with open(p, "rb") as fh:
        head = fh.read(8192)
        if b"\0" in head:
            return  # binary: its reader walks its own records
        if size > MAX_TEXT_BYTES:
            raise ReaderError(p, f"text file is {_mib(size)}, more than the {_mib(MAX_TEXT_BYTES)} text readers accept "
                              "(decimate or split it); refused")
        import numpy as np  # here, not at module level: `import sselab` (the CLI's start) stays numpy-free

        fh.seek(0)
        run, line = 0, 1  # bytes of the line still open, its number
        while chunk := fh.read(_CHUNK):
            ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)  # newlines, found in C
            if not ends.size:
                run += len(chunk)
                if run > MAX_LINE_BYTES:
                    raise ReaderError(p, _too_long(line))
                continue
            lengths = np.diff(ends) - 1
            if run + int(ends[0]) > MAX_LINE_BYTES:
                raise ReaderError(p, _too_long(line))
            long = np.flatnonzero(lengths > MAX_LINE_BYTES)
            if long.size:
                raise ReaderError(p, _too_long(line + 1 + int(long[0])))
            line += ends.size
            run = len(chunk) - int(ends[-1]) - 1
            if run > MAX_LINE_BYTES:
                raise ReaderError(p, _too_long(line))


def _too_long(line: int) -> str:
    return f"line {line} is longer than {_mib(MAX_LINE_BYTES)} (the ceiling for one line of a text file); refused"
