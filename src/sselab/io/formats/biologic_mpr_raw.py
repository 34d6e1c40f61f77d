"""sselab's own parser of the modules of a BioLogic ``.mpr`` (used where galvani refuses).

galvani 0.5 refuses a file whose data module holds a column ID missing from its table (e.g.
ID 215, ``<Ece>/V``, recorded when "Record Ece" is on; 182, ``step time/s``; 185; 112/115,
energies).  This module reads the same layout with a larger table:

- file: the 52-byte magic ``BIO-LOGIC MODULAR FILE\\x1a`` (padded) + 4 zero bytes, then
  modules, each ``MODULE`` + header (short name 10 bytes, long name 25, [max length u4 when
  bytes 35–38 are ``ff ff ff ff`` (EC-Lab ≥ 11.50)], length u4, version u4, [u4], date 8)
  + ``length`` bytes of data;
- settings module (``VMP Set``): the first byte is the technique code;
- data module (``VMP data``): u4 number of points, u1 number of columns, then the column IDs
  (u2 little-endian for module versions 2 and 3, records from byte 405 / 406); version 0
  stores u1 IDs (records from byte 100) or big-endian u2 IDs (records from byte 1007);
- loop module (``VMP loop``): u4 count, then u4 start rows.

Column IDs ≥ 256 name the same quantity as ``ID % 256`` (galvani lists e.g. 215 only as 471).
The IDs, names and types below come from the format knowledge in galvani's and yadg's tables
(read, not copied), each one checked against the ``.mpt`` text export of the same run in
yadg's test files (``tests/test_x_eclab`` at dgbowl/yadg@61d55fe): the same columns, in the
same order, with the same values to float32 precision (tests/io/test_io_mpr_raw.py).
Names are EC-Lab's ``.mpt`` header names, so :mod:`sselab.io.biologic_columns` reads both.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...exceptions import ReaderError

MAGIC = b"BIO-LOGIC MODULAR FILE\x1a".ljust(48) + b"\x00" * 4

#: flag column IDs (packed into one byte per record): name, bit mask
FLAGS = {1: ("mode", 0x03), 2: ("ox/red", 0x04), 3: ("error", 0x08), 21: ("control changes", 0x10),
         31: ("Ns changes", 0x20), 65: ("counter inc.", 0x80)}

#: data column IDs (``ID % 256``): EC-Lab's column name, numpy type
COLUMNS: dict[int, tuple[str, str]] = {
    4: ("time/s", "<f8"), 5: ("control/V/mA", "<f4"), 6: ("Ewe/V", "<f4"), 7: ("dq/mA.h", "<f8"),
    8: ("I/mA", "<f4"), 9: ("Ece/V", "<f4"), 11: ("<I>/mA", "<f8"), 13: ("(Q-Qo)/mA.h", "<f8"),
    16: ("Analog IN 1/V", "<f4"), 17: ("Analog IN 2/V", "<f4"), 19: ("control/V", "<f4"),
    20: ("control/mA", "<f4"), 23: ("dQ/mA.h", "<f8"), 24: ("cycle number", "<f8"), 26: ("Rapp/Ohm", "<f4"),
    27: ("Ewe-Ece/V", "<f4"), 32: ("freq/Hz", "<f4"), 33: ("|Ewe|/V", "<f4"), 34: ("|I|/A", "<f4"),
    35: ("Phase(Z)/deg", "<f4"), 36: ("|Z|/Ohm", "<f4"), 37: ("Re(Z)/Ohm", "<f4"), 38: ("-Im(Z)/Ohm", "<f4"),
    39: ("I Range", "<u2"), 69: ("R/Ohm", "<f4"), 70: ("P/W", "<f4"), 74: ("|Energy|/W.h", "<f8"),
    75: ("Analog OUT/V", "<f4"), 76: ("<I>/mA", "<f4"), 77: ("<Ewe>/V", "<f4"), 78: ("Cs-2/µF-2", "<f4"),
    96: ("|Ece|/V", "<f4"), 98: ("Phase(Zce)/deg", "<f4"), 99: ("|Zce|/Ohm", "<f4"),
    100: ("Re(Zce)/Ohm", "<f4"), 101: ("-Im(Zce)/Ohm", "<f4"), 110: ("Energy ce/W.h", "<f8"),
    112: ("Energy we/W.h", "<f8"), 115: ("Energy ce charge/W.h", "<f8"),
    116: ("Energy ce discharge/W.h", "<f8"), 123: ("Energy charge/W.h", "<f8"),
    124: ("Energy discharge/W.h", "<f8"), 125: ("Capacitance charge/µF", "<f8"),
    126: ("Capacitance discharge/µF", "<f8"), 131: ("Ns", "<u2"), 163: ("|Estack|/V", "<f4"),
    166: ("Phase(Zstack)/deg", "<f4"), 167: ("|Zstack|/Ohm", "<f4"), 168: ("Rcmp/Ohm", "<f4"),
    169: ("Cs/µF", "<f4"), 172: ("Cp/µF", "<f4"), 173: ("Cp-2/µF-2", "<f4"), 174: ("<Ewe>/V", "<f4"),
    175: ("|Zwe-ce|/Ohm", "<f4"), 176: ("Re(Zwe-ce)/Ohm", "<f4"), 177: ("-Im(Zwe-ce)/Ohm", "<f4"),
    178: ("(Q-Qo)/C", "<f4"), 179: ("dQ/C", "<f4"), 182: ("step time/s", "<f8"), 185: ("<Ece>/V", "<f4"),
    206: ("Temperature/°C", "<f4"), 211: ("Q charge/discharge/mA.h", "<f8"), 212: ("half cycle", "<u4"),
    213: ("z cycle", "<u4"), 215: ("<Ece>/V", "<f4"), 217: ("THD Ewe/%", "<f4"), 218: ("THD I/%", "<f4"),
    219: ("THD Ece/%", "<f4"), 220: ("NSD Ewe/%", "<f4"), 221: ("NSD I/%", "<f4"), 222: ("NSD Ece/%", "<f4"),
    223: ("NSR Ewe/%", "<f4"), 224: ("NSR I/%", "<f4"), 225: ("NSR Ece/%", "<f4"),
    230: ("|Ewe h2|/V", "<f4"), 231: ("|Ewe h3|/V", "<f4"), 232: ("|Ewe h4|/V", "<f4"),
    233: ("|Ewe h5|/V", "<f4"), 234: ("|Ewe h6|/V", "<f4"), 235: ("|Ewe h7|/V", "<f4"),
    236: ("|I h2|/A", "<f4"), 237: ("|I h3|/A", "<f4"), 238: ("|I h4|/A", "<f4"), 239: ("|I h5|/A", "<f4"),
    240: ("|I h6|/A", "<f4"), 241: ("|I h7|/A", "<f4"), 248: ("Rac/Ohm", "<f4"), 249: ("Rdc/Ohm", "<f4"),
}

#: ID 174 means Phase(Zwe-ce) when a potential column (6 or 77) is recorded beside it.
PHASE_WE_CE = ("Phase(Zwe-ce)/deg", "<f4")

_HDR1 = np.dtype([("shortname", "S10"), ("longname", "S25"), ("length", "<u4"), ("version", "<u4"), ("date", "S8")])
_HDR2 = np.dtype([("shortname", "S10"), ("longname", "S25"), ("max length", "<u4"), ("length", "<u4"),
                  ("version", "<u4"), ("unknown2", "<u4"), ("date", "S8")])


class RawMPR:
    """The parts of an ``.mpr`` sselab uses: ``modules`` (list of dicts with ``shortname``,
    ``version`` and ``data``), ``data`` (structured array), ``loop_index`` and ``column_ids``."""

    def __init__(self, path: Path) -> None:
        raw = Path(path).read_bytes()
        if not raw.startswith(MAGIC):
            raise ReaderError(path, "not a BioLogic .mpr (magic bytes missing)")
        self.modules = list(_modules(path, raw, len(MAGIC)))
        by_name = {m["shortname"].strip(): m for m in self.modules}
        data_mod = by_name.get(b"VMP data")
        if data_mod is None or b"VMP Set" not in by_name:
            raise ReaderError(path, "the .mpr has no settings or no data module")
        self.column_ids, self.data = _data(path, data_mod)
        self.loop_index = None
        loop = by_name.get(b"VMP loop")
        if loop is not None and len(loop["data"]) >= 4:
            n = int(np.frombuffer(loop["data"], "<u4", 1)[0])
            idx = np.frombuffer(loop["data"], "<u4", min(n, (len(loop["data"]) - 4) // 4), offset=4)
            self.loop_index = np.trim_zeros(idx.astype(np.int64), "b")


def _modules(path: Path, raw: bytes, pos: int):
    while pos < len(raw):
        if raw[pos:pos + 6] != b"MODULE":
            raise ReaderError(path, f"damaged .mpr: no MODULE marker at byte {pos}")
        pos += 6
        hdr_t = _HDR2 if raw[pos + 35:pos + 39] == b"\xff\xff\xff\xff" else _HDR1
        if pos + hdr_t.itemsize > len(raw):
            raise ReaderError(path, "damaged .mpr: file ends inside a module header")
        hdr = np.frombuffer(raw, hdr_t, 1, offset=pos)[0]
        pos += hdr_t.itemsize
        length = int(hdr["length"])
        if pos + length > len(raw):
            raise ReaderError(path, f"damaged .mpr: module {hdr['shortname']!r} is cut short")
        yield {"shortname": bytes(hdr["shortname"]), "version": int(hdr["version"]), "date": bytes(hdr["date"]),
               "data": raw[pos:pos + length]}
        pos += length


def _data(path: Path, mod: dict) -> tuple[np.ndarray, np.ndarray]:
    buf, version = mod["data"], mod["version"]
    if len(buf) < 6:
        raise ReaderError(path, "damaged .mpr: data module too short")
    n_points = int(np.frombuffer(buf, "<u4", 1)[0])
    n_cols = buf[4]
    width = 1 if version == 0 and buf[5] else 2
    if len(buf) < 5 + width * n_cols:
        raise ReaderError(path, f"damaged .mpr: the data module ends inside its list of {n_cols} column IDs")
    if version in (2, 3):
        ids = np.frombuffer(buf[5:5 + 2 * n_cols], "<u2").astype(int)
        start = 405 if version == 2 else 406
    elif version == 0 and buf[5]:
        ids, start = np.frombuffer(buf[5:5 + n_cols], "u1").astype(int), 100
    elif version == 0:
        ids, start = np.frombuffer(buf[5:5 + 2 * n_cols], ">u2").astype(int), 1007  # high byte 0 so far
    else:
        raise ReaderError(path, f".mpr data module version {version} is not one sselab knows")
    dtype = _dtype(path, list(ids))
    if start + n_points * dtype.itemsize > len(buf):
        raise ReaderError(path, f"damaged .mpr: {n_points} records of {dtype.itemsize} bytes do not fit the data module")
    return ids, np.frombuffer(buf, dtype, n_points, offset=start)


def _dtype(path: Path, ids: list[int]) -> np.dtype:
    fields: list[tuple[str, str]] = []
    low = {i % 256 for i in ids}
    for cid in ids:
        if cid in FLAGS:
            if ("flags", "u1") not in fields:
                fields.append(("flags", "u1"))
            continue
        key = cid % 256
        if key not in COLUMNS:
            raise ReaderError(path, f"column ID {cid} of this .mpr is unknown to sselab (and galvani); "
                              "export it from EC-Lab as text (.mpt), which sselab reads")
        name, typ = PHASE_WE_CE if key == 174 and low & {6, 77} else COLUMNS[key]
        taken = {f[0] for f in fields}
        if name in taken:
            raise ReaderError(path, f"column ID {cid} repeats {name!r}: the file's layout is not one sselab knows")
        fields.append((name, typ))
    return np.dtype(fields)
