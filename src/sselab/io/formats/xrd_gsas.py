"""GSAS powder data: .gsa/.gsas/.gss/.fxye/.xra (constant-wavelength banks: STD, ESD, FXYE) with
the instrument-parameter file (.prm/.instprm) that gives the wavelengths.

Hand-written (xrayutilities reads no GSAS format).  Layout (GSAS manual, "Powder data file"):
a title line, optional comment lines (``#`` or an ``Instrument parameter <file>`` line), then per
bank ``BANK ibank nchan nrec BINTYP bcoef1 bcoef2 bcoef3 bcoef4 TYPE``.  Only BINTYP ``CONST``/``CONS``
(constant 2θ step, positions in centidegrees) is read; time-of-flight banks are refused.

* ``STD``: 10 fields of 8 characters per line, each ``(I2, F6.0)`` — number of counters summed
  (blank = 1) and the intensity; σ = √(I / n).
* ``ESD``: 5 pairs ``(F8.0, F8.0)`` per line — intensity and σ.
* ``FXYE``: one ``2θ[centideg] I σ`` row per line.

Points are exactly ``nchan`` per bank (STD/ESD records are padded with zeros after the last
point; fewer numbers than ``nchan`` is an error, never a shorter scan).  The instrument file is
the one named in the data file, else ``<stem>.prm``/``.instprm`` beside it, else the only .prm in
the folder; its ``ICONS λ1 λ2 zero … Kα2/Kα1`` line gives the wavelengths (λ2 = 0: one wavelength).
Without one the wavelength is left unknown, with a warning.

Examples
--------
>>> _std_fields("     179 2   150")
[(1, 179.0), (2, 150.0)]
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ...measurements import DiffractionPattern
from ..registry import register
from .xrd_common import make_pattern

_BANK = re.compile(r"^BANK\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$")


def _sniff(path: Path, head: bytes) -> bool:
    lines = head.decode("latin-1").splitlines()[:40]
    return any(_BANK.match(line) for line in lines[1:])


def _std_fields(line: str) -> list[tuple[int, float]]:
    out = []
    line = line.rstrip("\n\r")
    for k in range(0, len(line.rstrip()), 8):
        field = line[k : k + 8]
        ncount, value = field[:2].strip(), field[2:].strip()
        if not value:
            continue
        out.append((int(ncount) if ncount else 1, float(value)))
    return out


def _instrument_file(path: Path, text_lines: list[str]) -> Path | None:
    for line in text_lines[:40]:
        m = re.match(r"^Instrument parameter\s+(\S+)", line, re.I)
        if m:
            cand = path.parent / Path(m.group(1).strip()).name
            if cand.is_file():
                return cand
    for ext in (".prm", ".PRM", ".instprm", ".inst"):
        cand = path.with_suffix(ext)
        if cand.is_file():
            return cand
    prms = [p for p in path.parent.iterdir() if p.suffix.lower() in (".prm", ".instprm")]
    return prms[0] if len(prms) == 1 else None


def read_prm(path: str | Path, bank: int = 1) -> dict[str, float]:
    """Wavelengths, zero and polarisation from a GSAS .prm (``ICONS``) or GSAS-II .instprm (``Lam1:``).

    Returns keys ``lam1``, ``lam2`` (0 when one wavelength), ``zero`` and, when present, ``ratio``.
    """
    path = Path(path)
    text = path.read_text(errors="replace")
    m = re.search(rf"^INS\s+{bank}\s*ICONS\s+(.*)$", text, re.M)
    if m:
        vals = [float(v) for v in m.group(1).split()]
        out = {"lam1": vals[0], "lam2": vals[1] if len(vals) > 1 else 0.0, "zero": vals[2] if len(vals) > 2 else 0.0}
        if len(vals) > 6:
            out["ratio"] = vals[6]
        return out
    kv = dict(re.findall(r"^(\w+):\s*([-+.\deE]+)", text, re.M))
    if "Lam1" in kv or "Lam" in kv:
        lam1 = float(kv.get("Lam1", kv.get("Lam")))
        out = {"lam1": lam1, "lam2": float(kv.get("Lam2", 0.0)), "zero": float(kv.get("Zero", 0.0))}
        if "I(L2)/I(L1)" in text:
            r = re.search(r"I\(L2\)/I\(L1\):\s*([-+.\deE]+)", text)
            out["ratio"] = float(r.group(1)) if r else 0.5
        return out
    raise ReaderError(path, "no ICONS (GSAS .prm) or Lam1/Lam (GSAS-II .instprm) wavelength line")


@register("xrd-gsas", [".gsa", ".gsas", ".gss", ".fxye", ".xra", ".esd", ".std"], ["diffraction"], sniff=_sniff, priority=1)
def read(path: Path, kind: str) -> list[DiffractionPattern]:
    lines = path.read_text(encoding="latin-1").splitlines()
    banks = [i for i, line in enumerate(lines) if _BANK.match(line)]
    if not banks:
        raise ReaderError(path, "no BANK line: not a GSAS powder data file")
    inst = _instrument_file(path, lines)
    wl: tuple[float, ...] = ()
    notes = [f"title: {lines[0].strip()[:70]}"]
    warnings = []
    if inst is not None:
        prm = read_prm(inst)
        wl = (prm["lam1"], prm["lam2"]) if prm["lam2"] > 0 and prm.get("ratio", 0.5) > 0 else (prm["lam1"],)
        notes.append(f"wavelengths from {inst.name}: {', '.join(f'{w:g}' for w in wl)} Å")
    else:
        m = re.search(r"wavelength\s*=\s*([\d.]+)", "\n".join(lines[:40]), re.I)
        if m:
            wl = (float(m.group(1)),)
            notes.append(f"wavelength {wl[0]} Å from the header comment (no instrument parameter file)")
        else:
            warnings.append("no instrument parameter file (.prm/.instprm) beside the data: wavelength unknown")
    out = []
    for b_i, at in enumerate(banks):
        ibank, nchan, nrec, bintyp, rest = _BANK.match(lines[at]).groups()
        nchan = int(nchan)
        fields = rest.split()
        dtype = fields[-1].upper() if fields and fields[-1].isalpha() else "STD"
        label = f"bank {ibank}"
        if bintyp.upper() not in ("CONST", "CONS"):
            raise ReaderError(path, f"{label}: BINTYP {bintyp} (time of flight) is not a constant-wavelength 2θ scan")
        try:
            start, step = float(fields[0]) / 100.0, float(fields[1]) / 100.0
        except (ValueError, IndexError):
            raise ReaderError(path, f"{label}: BANK line lacks start and step") from None
        end = banks[b_i + 1] if b_i + 1 < len(banks) else len(lines)
        body = [ln for ln in lines[at + 1 : end] if ln.strip() and not ln.lstrip().startswith("#")]
        try:
            if dtype == "FXYE":
                rows = np.array([[float(t) for t in ln.split()[:3]] for ln in body])
                if rows.ndim != 2 or rows.shape[1] < 3:
                    raise ValueError
                x, y, s = rows[:, 0] / 100.0, rows[:, 1], rows[:, 2]
            elif dtype == "ESD":
                vals = [float(ln[k : k + 8]) for ln in body for k in range(0, len(ln.rstrip()), 8) if ln[k : k + 8].strip()]
                y, s = np.array(vals[0::2]), np.array(vals[1::2])
                x = None
            else:
                pairs = [p for ln in body for p in _std_fields(ln)]
                n = np.array([p[0] for p in pairs], float)
                y = np.array([p[1] for p in pairs])
                s = np.sqrt(np.maximum(y, 1.0) / np.maximum(n, 1.0))
                x = None
        except ValueError:
            raise ReaderError(path, f"{label}: {dtype} data has a field that is not a number") from None
        if y.size < nchan:
            raise ReaderError(path, f"{label}: declares {nchan} points but holds {y.size} (file cut)")
        extra = y[nchan:]
        if dtype != "FXYE" and np.any(extra != 0):
            raise ReaderError(path, f"{label}: {y.size - nchan} values beyond the declared {nchan} points")
        if dtype == "FXYE" and y.size != nchan:
            raise ReaderError(path, f"{label}: declares {nchan} points but holds {y.size} rows")
        y, s = y[:nchan], s[:nchan]
        if x is None:
            x = start + step * np.arange(nchan)
        out.append(make_pattern(path, "xrd-gsas", x, y, s, wavelength_A=wl, label=label,
                                notes=notes + [f"{label}: {nchan} points, {dtype}"], warnings=warnings,
                                metadata={"instrument_file": str(inst) if inst else None}))
    return out
