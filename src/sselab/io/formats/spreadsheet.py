"""Impedance spectra in spreadsheets: Excel ``.xlsx`` and OpenDocument ``.ods``.

Parser: pandas ``read_excel`` with openpyxl (``.xlsx``) or odfpy (``.ods``) — the maintained
readers of these formats, pinned in ``pyproject.toml``; writing a zip/XML parser of our own
would add nothing.  Every sheet holding an impedance table is read (one or more spectra
each, ``metadata["sheet"]`` names it; sheets without one are skipped); its cells are turned
into a tab-separated table and go through the same column rules as CSV files
(:mod:`sselab.io.formats.csv_spectrum`: column names by meaning, units, sign of Z'', sweeps
split, f = 0 rows dropped with a note).

Both formats are zip archives: the members' sizes are checked before anything is inflated
(at most :data:`MAX_UNCOMPRESSED` bytes in all and a compression ratio of :data:`MAX_RATIO`),
so a zip bomb is refused with a message instead of filling memory.

Examples
--------
>>> from sselab.io import read
>>> read("data.xlsx")[0].n_points     # doctest: +SKIP
29
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ...exceptions import ReaderError
from ..registry import register
from .csv_spectrum import spectra_from_text

NAME = "spreadsheet"
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200


def sniff(path: Path, head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04") and path.suffix.lower() in (".xlsx", ".ods", ".xlsm")


def check_zip(path: Path) -> None:
    """Refuse archives that would inflate beyond the limits (zip bombs) or are not zips."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReaderError(path, f"not a readable spreadsheet (zip archive): {exc}") from None
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
        raise ReaderError(path, f"archive would inflate to {total / 1e6:.0f} MB (ratio {total / packed:.0f}); "
                          f"refused (limits {MAX_UNCOMPRESSED // 2**20} MiB, ratio {MAX_RATIO})")


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v) if v == v else ""
    return str(v).replace("\t", " ").replace("\n", " ")


_NS = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
       "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
       "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0"}


def _q(prefix: str, name: str) -> str:
    return f"{{{_NS[prefix]}}}{name}"


def fods_sheets(path: Path) -> dict[str, list[str]]:
    """The sheets of a flat (single-XML) OpenDocument spreadsheet as tab-joined rows.

    A cell's ``office:value`` (full precision) is used where present, else its text; repeated
    cells and rows are expanded only up to the last non-empty one (an empty sheet declares
    a million repeated rows)."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise ReaderError(path, f"not a readable flat OpenDocument spreadsheet: {exc}") from None
    try:
        return _fods_tables(root)
    except ValueError as exc:  # a cell's office:value or a repeat count that is not a number
        raise ReaderError(path, f"damaged flat OpenDocument spreadsheet: {exc}") from None


def _fods_tables(root) -> dict[str, list[str]]:
    sheets: dict[str, list[str]] = {}
    for table in root.iter(_q("table", "table")):
        rows: list[str] = []
        for row in table.iter(_q("table", "table-row")):
            cells: list[str] = []
            for cell in row:
                if cell.tag not in (_q("table", "table-cell"), _q("table", "covered-table-cell")):
                    continue
                value = cell.get(_q("office", "value"))
                text = _cell(float(value)) if value is not None else " ".join(
                    "".join(p.itertext()) for p in cell.iter(_q("text", "p")))
                repeat = int(cell.get(_q("table", "number-columns-repeated"), "1"))
                cells.extend([text] * (min(repeat, 1000) if text else repeat if repeat < 1000 else 0))
            line = "\t".join(cells).rstrip("\t")
            if line.strip():
                rows.extend([line] * min(int(row.get(_q("table", "number-rows-repeated"), "1")), 10_000))
        sheets[table.get(_q("table", "name"), f"sheet {len(sheets) + 1}")] = rows
    return sheets


@register("fods", (".fods",), ("spectrum",), sniff=None, priority=5)
def read_fods(path: Path, kind: str | None = None) -> list:
    """Read the spectra of every sheet of a flat OpenDocument spreadsheet (``.fods``)."""
    return _spectra_of_sheets(path, fods_sheets(path), "flat ODS XML")


@register(NAME, (".xlsx", ".xlsm", ".ods"), ("spectrum",), sniff=sniff, priority=5)
def read(path: Path, kind: str | None = None) -> list:
    """Read the spectra of every sheet holding an impedance table."""
    check_zip(path)
    import pandas as pd

    engine = "odf" if path.suffix.lower() == ".ods" else "openpyxl"
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, engine=engine, dtype=object)
    except ImportError as exc:
        raise ReaderError(path, f"reading this spreadsheet needs {exc.name or engine}") from None
    except Exception as exc:  # noqa: BLE001 - the engines raise many types on damaged files
        raise ReaderError(path, f"cannot read the spreadsheet ({type(exc).__name__}: {' '.join(str(exc).split())[:120]})") from None
    return _spectra_of_sheets(path, {name: ["\t".join(_cell(v) for v in row).rstrip("\t")
                                            for row in frame.itertuples(index=False)]
                                     for name, frame in sheets.items()}, engine)


def _spectra_of_sheets(path: Path, sheets: dict[str, list[str]], engine: str) -> list:
    errors, out = [], []
    for name, rows in sheets.items():
        text = "\n".join(r for r in rows if r.strip()) + "\n"
        if not text.strip():
            continue
        try:
            found = spectra_from_text(text, path, NAME, (f"sheet {name!r} of {len(sheets)} ({engine})",))
        except ReaderError as exc:
            errors.append(f"sheet {name!r}: {exc.problem}")
            continue
        out += [m.with_meta(metadata={**m.metadata, "sheet": str(name)}) for m in found]
    if out:
        return out
    raise ReaderError(path, "; ".join(errors) or "no sheet holds data")
