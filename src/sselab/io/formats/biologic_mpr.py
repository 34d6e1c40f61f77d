"""BioLogic EC-Lab binary ``.mpr`` files, read with galvani (``galvani.BioLogic.MPRfile``).

Every kind comes from the same file: ``spectrum`` (PEIS/GEIS, and the EIS parts of a modulo
bat file; one Spectrum per sweep), ``transient`` (CA; one per loop when the file has loops),
``galvanostatic`` (GCPL, and the DC parts of a modulo bat file) and ``voltammogram`` (CV).
``potential`` (OCV, WAIT).  The conversion rules are in :mod:`sselab.io.biologic_columns`.

The kind comes from the EC-Lab technique code in the settings module, mapped only for codes
checked on real files (yadg's test files of each technique); a file of an unmapped technique
is refused unless a kind is asked for, so that, e.g., a CP or LSV file is never returned as a
current transient.  galvani (maintained, MIT/GPL, numpy-only) is the parser; yadg reads more
column IDs but pins pandas < 3, which conflicts with sselab's pandas, so a file with a
column ID galvani does not know is read by sselab's own parser of the modules
(:mod:`.biologic_mpr_raw`, a larger column table checked against .mpt twins).

Examples
--------
>>> from sselab.io import read
>>> spectra = read("geis.mpr", kind="spectrum")      # doctest: +SKIP
>>> len(spectra)                                     # doctest: +SKIP
61
"""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ..biologic_columns import BUILDERS, transient_from_columns
from ..registry import register
from .biologic_mpr_raw import RawMPR

NAME = "biologic-mpr"

#: EC-Lab technique codes (first byte of the settings module) and their measurement kind.
TECHNIQUES = {
    0x04: ("GCPL (galvanostatic cycling)", "galvanostatic"),
    0x06: ("CV (cyclic voltammetry)", "voltammogram"),
    0x0B: ("OCV (open circuit voltage)", "potential"),
    0x18: ("CA (chronoamperometry)", "transient"),
    0x19: ("CP (chronopotentiometry)", "galvanostatic"),
    0x1C: ("WAIT (rest)", "potential"),
    0x1D: ("PEIS (potentio EIS)", "spectrum"),
    0x1E: ("GEIS (galvano EIS)", "spectrum"),
    0x7F: ("MB (modulo bat)", "mixed"),
    0x88: ("BCD (battery capacity determination)", "galvanostatic"),
    0x33: ("CVA (cyclic voltammetry advanced)", "voltammogram"),
    0x6C: ("LSV (linear sweep voltammetry)", "voltammogram"),
    0x75: ("CoV (constant voltage)", "transient"),
    0x76: ("CoC (constant current)", "galvanostatic"),
    0x77: ("GCPL (galvanostatic cycling)", "galvanostatic"),
    0x16: ("MP (modular potentio)", "potentio"),
}


def sniff(path: Path, head: bytes) -> bool:
    return head.startswith(b"BIO-LOGIC MODULAR FILE")


def technique(mpr: object) -> tuple[str, str | None]:
    """(description, kind) of the file's first technique, from the settings module."""
    try:
        code = int(mpr.modules[0]["data"][0])  # type: ignore[attr-defined]
    except (AttributeError, IndexError, KeyError, TypeError):
        return "unknown technique", None
    return TECHNIQUES.get(code, (f"technique code {code:#x}", None))


def load(path: Path) -> tuple[dict[str, np.ndarray], object]:
    """The file's columns (name → array) and the galvani object."""
    try:
        from galvani.BioLogic import MPRfile
    except ImportError:  # pragma: no cover - galvani is a dependency
        raise ReaderError(path, "reading .mpr needs galvani (pip install galvani)") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mpr = MPRfile(str(path))
    except NotImplementedError as exc:
        if "Column ID" not in str(exc):
            raise ReaderError(path, f"galvani cannot read this .mpr ({' '.join(str(exc).split())})") from None
        mpr = RawMPR(path)  # galvani's column table lacks an ID: sselab's own parser of the modules
    except (ValueError, KeyError, EOFError, OSError, IndexError, TypeError,
            AssertionError, struct.error, UnicodeError, MemoryError, OverflowError) as exc:
        raise ReaderError(path, f"galvani cannot read this .mpr ({type(exc).__name__}: {' '.join(str(exc).split())})") from None
    data = mpr.data
    if data is None or len(data) == 0:
        desc = technique(mpr)[0]
        raise ReaderError(path, f"the .mpr ({desc}) holds no data points")
    return {name: np.asarray(data[name]) for name in data.dtype.names}, mpr


@register(NAME, (".mpr",), ("spectrum", "transient", "galvanostatic", "voltammogram", "potential"), sniff=sniff, priority=10)
def read(path: Path, kind: str | None = None) -> list:
    """Read the measurements of ``kind`` from a BioLogic ``.mpr`` (``None``: the technique's)."""
    cols, mpr = load(path)
    desc, file_kind = technique(mpr)
    parser = "sselab's module parser: galvani lacks a column ID" if isinstance(mpr, RawMPR) else "galvani"
    notes = [f"BioLogic .mpr ({parser}), {desc}, {len(next(iter(cols.values())))} rows"]
    kind = kind or pick_kind(path, desc, file_kind, cols)
    if kind == "spectrum" and "freq/Hz" not in cols:
        hint = f"; read it as kind={file_kind!r}" if file_kind and file_kind != "mixed" else ""
        raise ReaderError(path, f"no impedance data in this {desc} file{hint}")
    loops = getattr(mpr, "loop_index", None)
    if kind == "transient" and loops is not None and len(loops) > 2:
        out = []
        for k, (a, b) in enumerate(zip(loops[:-1], loops[1:])):
            part = {name: v[a:b] for name, v in cols.items()}
            [item] = transient_from_columns(part, path, NAME, notes + [f"loop {k + 1} of {len(loops) - 1} (rows {a}–{b - 1})"])
            out.append(item.with_meta(metadata={**item.metadata, "loop": k}))
        return out
    if kind == "spectrum":
        return BUILDERS[kind](cols, path, NAME, notes, eis_only=file_kind == "spectrum")
    return BUILDERS[kind](cols, path, NAME, notes)


def pick_kind(path: Path, desc: str, file_kind: str | None, cols: dict) -> str:
    """The kind to return when none was asked: the technique's, or refuse.

    A modulo-bat file is a spectrum when it holds impedance sweeps, else a time/current/
    voltage (galvanostatic) record.  Unmapped techniques are refused.
    """
    if file_kind == "mixed":
        return "spectrum" if "freq/Hz" in cols else "galvanostatic"
    if file_kind == "potentio":
        # a sequence of potential-controlled steps: a current transient when the file holds the set
        # potential and a measured current, and nothing current-controlled
        if "control/V" in cols and ({"I/mA", "<I>/mA"} & set(cols)) and not ({"control/mA", "control/V/mA"} & set(cols)):
            return "transient"
        raise ReaderError(path, f"{desc}: not all steps are potential-controlled; give the kind")
    if file_kind is None:
        raise ReaderError(path, f"{desc}: sselab does not know what this EC-Lab technique measures; "
                          "give the kind (spectrum, transient, galvanostatic, voltammogram, potential)")
    return file_kind
