"""Impedance spectra in CSV/TXT tables with auto-detected columns, units and sign of Z''.

Accepted layouts: a header with frequency and either Z'/Re(Z) + Z''/Im(Z)/−Im(Z) or |Z| + phase
(units in the header: Hz/mHz/kHz/MHz, Ω/kΩ/MΩ, deg/rad); a headerless 3-column table f, Z',
Z'' (impedance.py's ``exampleData.csv``); comma, semicolon, tab or blank separated; decimal
commas with non-comma separators; a free-text preamble (a ``Temperature: 60 °C`` line there
sets ``temperature_K``).  Points keep the file's order.

Examples
--------
>>> from sselab.io import read
>>> spectra = read("exampleData.csv")          # doctest: +SKIP
>>> spectra[0].notes[0]                        # doctest: +SKIP
"no header: columns taken as f [Hz], Z' [Ω], Z'' [Ω]"
"""

from __future__ import annotations

import re
from pathlib import Path

from ..checks import make_spectrum
from ..columns import parse_table, read_text
from ..header_meta import area_from_lines, temperature_from_lines
from ..registry import register
from ..spectrum_columns import headerless_impedance, impedance_columns

NAME = "csv-spectrum"
_FREQ_HEADER = re.compile(rb"freq|(^|[\s,;\t\"])f\s*[\(/\[]?\s*(hz|khz|mhz)?", re.I)
_IMP_HEADER = re.compile(rb"z'|re\(z\)|zreal|zre|\|z\||zmod|im\(z\)", re.I)


def sniff(path: Path, head: bytes) -> bool:
    """A text table whose header names a frequency and an impedance column."""
    if b"\x00" in head or head.startswith(b"EC-Lab") or head.startswith(b"EXPLAIN") or b"ZPLOT" in head[:20]:
        return False
    return bool(_FREQ_HEADER.search(head) and _IMP_HEADER.search(head))


@register(NAME, (".csv", ".txt", ".tsv", ".dat"), ("spectrum",), sniff=sniff)
def read(path: Path, kind: str | None = None) -> list:
    """Read one spectrum from a delimited text table (see the module doc)."""
    text = read_text(path)
    table = parse_table(text, path)
    if table.header is None:
        f, z, notes = headerless_impedance(table.data, path)
    else:
        f, z, notes = impedance_columns(table.header, table.data, path)
    notes.insert(0, f"{table.delimiter_name}-separated table, {table.data.shape[0]} rows")
    if table.decimal_comma:
        notes.append("decimal commas")
    notes.append("points in the file's order")
    return [
        make_spectrum(
            path, f, z, instrument=NAME, notes=notes,
            temperature_K=temperature_from_lines(table.preamble), area_cm2=area_from_lines(table.preamble),
        )
    ]
