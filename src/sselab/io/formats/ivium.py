"""Ivium ``.idf`` (one dataset) and ``.ids`` (several) impedance files.

Written here: no maintained Python package reads Ivium files on its own (pyimpspec does, as
part of a whole analysis package, which sselab uses only as a benchmark peer).  Layout: a
``key=value`` header (``Method=Impedance``, ``Frequencies=n``) and per dataset a
``primary_data`` line followed by the number of columns, the number of rows and the rows:
Z' [Ω], Z'' [Ω], f [Hz] (blank separated).  Z'' is signed as written (capacitive < 0), the
sign check of :mod:`sselab.io.spectrum_columns` still runs.  A row count that the rows do not
reach is an error (file cut); only impedance methods are read.

Examples
--------
>>> from sselab.io import read
>>> read("data.idf")[0].n_points      # doctest: +SKIP
29
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ..checks import make_spectrum
from ..columns import read_text, to_float
from ..registry import register
from ..spectrum_columns import impedance_from_parts

NAME = "ivium"


def _blocks(lines: list[str], path: Path) -> list[tuple[int, np.ndarray]]:
    out = []
    k = 0
    while k < len(lines):
        if lines[k].strip() != "primary_data":
            k += 1
            continue
        try:
            ncol, nrow = int(lines[k + 1].strip()), int(lines[k + 2].strip())
        except (IndexError, ValueError):
            raise ReaderError(path, f"line {k + 1}: 'primary_data' not followed by column and row counts") from None
        rows = []
        for j in range(nrow):
            at = k + 3 + j
            if at >= len(lines):
                raise ReaderError(path, f"dataset at line {k + 1} declares {nrow} rows but the file ends after {j} (cut?)")
            parts = lines[at].split()
            if len(parts) != ncol:
                raise ReaderError(path, f"line {at + 1} has {len(parts)} fields, expected {ncol}")
            try:
                rows.append([to_float(p, False) for p in parts])
            except ValueError:
                raise ReaderError(path, f"line {at + 1}: not a row of numbers") from None
        out.append((k + 1, np.array(rows, dtype=float).reshape(nrow, ncol)))
        k += 3 + nrow
    return out


@register(NAME, (".idf", ".ids"), ("spectrum",), priority=5)
def read(path: Path, kind: str | None = None) -> list:
    """Read the impedance spectra of an Ivium file (one per ``primary_data`` block)."""
    lines = read_text(path).splitlines() if b"\x00" not in path.read_bytes()[:4096] else \
        path.read_bytes().decode("latin-1").splitlines()
    methods = {ln.split("=", 1)[1].strip() for ln in lines if ln.startswith("Method=")}
    if methods and not any("impedance" in m.lower() for m in methods):
        raise ReaderError(path, f"Ivium method {', '.join(sorted(methods))}: only impedance files are read")
    blocks = _blocks(lines, path)
    if not blocks:
        raise ReaderError(path, "no 'primary_data' block")
    out = []
    for n, (lineno, data) in enumerate(blocks):
        if data.shape[1] < 3:
            raise ReaderError(path, f"dataset at line {lineno} has {data.shape[1]} columns; expected Z', Z'', f")
        z, sign = impedance_from_parts(data[:, 0], data[:, 1], "column 2 (Z'')")
        notes = [f"Ivium {path.suffix.lower()}, dataset {n + 1} of {len(blocks)} (line {lineno}): "
                 "columns Z' [Ω], Z'' [Ω], f [Hz]"] + sign + ["points in the file's order"]
        out.append(make_spectrum(path, data[:, 2], z, instrument=NAME, notes=notes,
                                 metadata={"spectrum_index": n} if len(blocks) > 1 else None,
                                 label=f"dataset {n + 1}" if len(blocks) > 1 else ""))
    return out
