"""VAMAS (ISO 14976) reader: ``.vms`` and PHI MultiPak's ``.npl``.

A line-by-line parser written from the standard (ISO 14976:1998, "Surface chemical
analysis - Data transfer format").  It reads every block of NORM / SDP / MAP experiments
with REGULAR or IRREGULAR abscissae, and tolerates what real instruments write: blank lines
before the header (Kratos), NUL bytes and trailing blanks in labels (PHI MultiPak), ``1E+37``
for "not given", CR/LF line ends.  The ``vamas`` package (PyPI) reads only REGULAR ``.vms``
files without leading blank lines; the tests check this parser against it on those.

Energies: a "Kinetic Energy" abscissa becomes binding energy as BE = hν − KE with the
block's own analysis-source energy hν (the convention CasaXPS uses; the analyser work
function written in the block is kept in the metadata, not subtracted).  A "Binding Energy"
abscissa is taken as it is.  In IRREGULAR mode the first corresponding variable is the
abscissa.

Sputter (etch) time of a block, first match wins (:func:`sputter_time`):

1. an experimental variable whose label names an etch/sputter time (e.g. "Etch Time" [s]),
   in its own unit (s, min, h; seconds when the unit is blank or "d");
2. in the depth-profile experiment modes (SDP, SDPSV, MAPDP, MAPSVDP) the only
   experimental variable, when its unit is a time unit (in a profile the experimental
   variable is what changes from step to step);
3. an additional numerical block parameter labelled as an etch/sputter time;
4. "Etch Time : 120 s" / "Sputter time = 2 min" in a block comment line, the block
   identifier or the sample identifier.

Where it came from is kept in ``metadata["sputter_time_from"]``.  Labels such as
"Exp Variable" (CasaXPS's default, unit "d") or a file name ending in "Etch1" are not
times and give ``None``; an "Etch Level 3" is kept as ``metadata["etch_level"]``.  The
block's "future upgrade" entries have no meaning assigned by ISO 14976; they are kept
verbatim in ``metadata["future_upgrade"]``, as are the SDP sputter-source fields.

Examples
--------
>>> from sselab.io import read                                  # doctest: +SKIP
>>> acq, = read("Pt4f.vms", kind="xps")                           # doctest: +SKIP
>>> [r.name for r in acq.regions]                                # doctest: +SKIP
['Pt 4f']
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from ...exceptions import ReaderError
from ...measurements import XPSAcquisition, XPSRegion
from ..registry import register

IDENTIFIER = "VAMAS Surface Chemical Analysis Standard Data Transfer Format 1988 May 4"
_MISSING = 1e36  # the standard writes 1E+37 for "no value"
_SPUTTER_MODES = ("MAPDP", "MAPSVDP", "SDP", "SDPSV")
_SPUTTER_TECHNIQUES = ("SNMS energy spec", "FABMS", "FABMS energy spec", "ISS", "SIMS",
                       "SIMS energy spec", "SNMS")
_SOURCE_TECHNIQUES = ("AES diff", "AES dir", "EDX", "ELS", "UPS", "XPS", "XRF")
_TIME_RE = re.compile(
    r"\b(?:etch|sputter)(?:ing)?[\s_-]*time\b\s*(?:[\[(]\s*(?P<u1>[a-z]+)\s*[\])])?\s*[:=]?\s*"
    r"(?P<v>[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)\s*(?P<u2>[a-z]+)?", re.IGNORECASE)
_LEVEL_RE = re.compile(r"\betch[\s_-]*level\s*[:=]?\s*(\d+)\b", re.IGNORECASE)
_LABEL_RE = re.compile(r"(etch|sputter)", re.IGNORECASE)
_TIME_UNITS_S = {"s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0,
                 "min": 60.0, "mins": 60.0, "minute": 60.0, "minutes": 60.0, "m": 60.0,
                 "h": 3600.0, "hr": 3600.0, "hour": 3600.0, "hours": 3600.0}
_PROFILE_MODES = ("SDP", "SDPSV", "MAPDP", "MAPSVDP")


class _Lines:
    """Cursor over the file's lines with typed reads that say where a value was wrong."""

    def __init__(self, path: Path, lines: list[str], start: int) -> None:
        self.path, self.lines, self.i = path, lines, start

    def text(self, what: str) -> str:
        if self.i >= len(self.lines):
            raise ReaderError(self.path, f"file ends early (expected {what} at line {self.i + 1})")
        line = self.lines[self.i]
        self.i += 1
        return line.replace("\x00", "").strip()

    def int(self, what: str) -> int:
        s = self.text(what)
        try:
            return int(float(s))
        except ValueError:
            raise ReaderError(self.path, f"line {self.i}: expected an integer ({what}), found {s!r}") from None

    def float(self, what: str) -> float:
        s = self.text(what)
        try:
            return float(s)
        except ValueError:
            raise ReaderError(self.path, f"line {self.i}: expected a number ({what}), found {s!r}") from None


def _value(x: float) -> float | None:
    return None if abs(x) >= _MISSING else x


def _sniff(path: Path, head: bytes) -> bool:
    return IDENTIFIER.encode() in head[:600]


def region_name(species: str, transition: str, block_id: str) -> str:
    """CasaXPS-style region name "Pt 4f" from species and transition labels; falls back to
    the block identifier when the labels are empty or generic (surveys)."""
    species, transition = species.strip(), transition.strip()
    if species.lower() in ("none", "-", "not specified"):
        species = ""
    if species and transition:
        return f"{species} {transition}"
    return species or block_id or "region"


def _parse_header(c: _Lines) -> dict[str, Any]:
    h: dict[str, Any] = {}
    for key in ("institution", "instrument_model", "operator", "experiment"):
        h[key] = c.text(key)
    h["comment"] = [c.text("header comment") for _ in range(c.int("number of comment lines"))]
    h["experiment_mode"] = c.text("experiment mode").upper()
    h["scan_mode"] = c.text("scan mode").upper()
    if h["scan_mode"] not in ("REGULAR", "IRREGULAR", "MAPPING"):
        raise ReaderError(c.path, f"line {c.i}: unknown scan mode {h['scan_mode']!r}")
    if h["experiment_mode"] in ("MAP", "MAPDP", "NORM", "SDP"):
        h["n_regions"] = c.int("number of spectral regions")
    if h["experiment_mode"] in ("MAP", "MAPDP"):
        h["n_positions"] = c.int("number of analysis positions")
        c.int("discrete x coordinates")
        c.int("discrete y coordinates")
    n_var = c.int("number of experimental variables")
    h["variables"] = [(c.text("variable label"), c.text("variable unit")) for _ in range(n_var)]
    n_incl = c.int("parameter inclusion list length")
    if n_incl != 0:
        raise ReaderError(c.path, f"line {c.i}: parameter inclusion/exclusion lists are not supported "
                          f"({n_incl} entries); export the file with all block parameters")
    n_manual = c.int("number of manually entered items")
    for _ in range(n_manual):
        c.text("manually entered item")
    n_future_exp = c.int("future upgrade experiment entries")
    h["n_future_block"] = c.int("future upgrade block entries")
    for _ in range(n_future_exp):
        c.text("future upgrade experiment entry")
    h["n_blocks"] = c.int("number of blocks")
    return h


def _parse_block(c: _Lines, h: dict[str, Any]) -> dict[str, Any]:
    b: dict[str, Any] = {"block_id": c.text("block identifier"), "sample_id": c.text("sample identifier")}
    stamp = [c.int("date/time") for _ in range(6)]
    b["date"] = stamp
    c.float("hours ahead of GMT")
    b["comment"] = [c.text("block comment") for _ in range(c.int("number of block comment lines"))]
    b["technique"] = c.text("technique")
    mode = h["experiment_mode"]
    if mode in ("MAP", "MAPDP"):
        c.float("x coordinate")
        c.float("y coordinate")
    b["variables"] = {lab: c.float(f"experimental variable {lab}") for lab, _ in h["variables"]}
    b["source_label"] = c.text("analysis source label")
    if mode in _SPUTTER_MODES or b["technique"] in _SPUTTER_TECHNIQUES:
        b["sputter_ion_Z"] = c.int("sputtering ion atomic number")
        b["sputter_ion_atoms"] = c.float("sputtering ion particles")
        b["sputter_ion_charge"] = c.float("sputtering ion charge")
    b["excitation_energy_eV"] = _value(c.float("analysis source characteristic energy"))
    b["source_strength"] = _value(c.float("analysis source strength"))
    c.float("source beam width x")
    c.float("source beam width y")
    if mode in ("MAP", "MAPDP", "MAPSV", "MAPSVDP", "SEM"):
        c.float("field of view x")
        c.float("field of view y")
    if mode in ("MAPSV", "MAPSVDP", "SEM"):
        for _ in range(6):
            c.float("linescan coordinate")
    b["source_polar_angle_deg"] = _value(c.float("source polar incidence angle"))
    c.float("source azimuth")
    b["analyser_mode"] = c.text("analyser mode")
    b["pass_energy_eV"] = _value(c.float("pass energy"))
    if b["technique"] == "AES diff":
        c.float("differential width")
    c.float("analyser magnification")
    b["work_function_eV"] = _value(c.float("analyser work function"))
    c.float("target bias")
    c.float("analysis width x")
    c.float("analysis width y")
    b["take_off_polar_deg"] = _value(c.float("take-off polar angle"))
    c.float("take-off azimuth")
    b["species"] = c.text("species label")
    b["transition"] = c.text("transition label")
    c.int("charge of detected particle")
    if h["scan_mode"] == "REGULAR":
        b["x_label"], b["x_unit"] = c.text("abscissa label"), c.text("abscissa units")
        b["x_start"], b["x_step"] = c.float("abscissa start"), c.float("abscissa increment")
    n_cor = c.int("number of corresponding variables")
    if n_cor < 1:
        raise ReaderError(c.path, f"line {c.i}: block {b['block_id']!r} has no corresponding variables")
    b["columns"] = [(c.text("variable label"), c.text("variable unit")) for _ in range(n_cor)]
    b["signal_mode"] = c.text("signal mode")
    b["dwell_time_s"] = _value(c.float("signal collection time"))
    b["n_scans"] = c.int("number of scans")
    c.float("signal time correction")
    if mode in _SPUTTER_MODES and b["technique"] in _SOURCE_TECHNIQUES:
        b["sputter_energy_eV"] = _value(c.float("sputter source energy"))
        for what in ("beam current", "width x", "width y", "polar angle", "azimuth"):
            b[f"sputter_{what.replace(' ', '_')}"] = _value(c.float(f"sputter source {what}"))
        b["sputter_mode"] = c.text("sputter source mode")
    c.float("sample normal tilt")
    c.float("sample tilt azimuth")
    c.float("sample rotation")
    n_add = c.int("number of additional numerical parameters")
    b["additional"] = {}
    for _ in range(n_add):
        lab, unit, val = c.text("parameter label"), c.text("parameter unit"), c.float("parameter value")
        b["additional"][lab] = (val, unit)
    b["future_upgrade"] = [c.text("future upgrade block entry") for _ in range(h["n_future_block"])]
    n_y = c.int("number of ordinate values")
    if n_y % n_cor:
        raise ReaderError(c.path, f"line {c.i}: {n_y} ordinate values do not divide among {n_cor} variables")
    for _ in range(n_cor):
        c.float("minimum ordinate")
        c.float("maximum ordinate")
    end = c.i + n_y
    if end > len(c.lines):
        raise ReaderError(c.path, f"block {b['block_id']!r} is truncated: {n_y} values expected, "
                          f"{len(c.lines) - c.i} lines left")
    try:
        values = np.array([float(s) for s in c.lines[c.i:end]])
    except ValueError:
        bad = next(k for k, s in enumerate(c.lines[c.i:end]) if not _isfloat(s))
        raise ReaderError(c.path, f"line {c.i + bad + 1}: non-numeric data value "
                          f"{c.lines[c.i + bad].strip()!r} in block {b['block_id']!r}") from None
    c.i = end
    b["data"] = values.reshape(-1, n_cor).T
    return b


def _isfloat(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def _seconds(value: float, unit: str | None) -> float | None:
    """value × the unit's length in seconds; None when the unit is not a time unit."""
    factor = _TIME_UNITS_S.get((unit or "s").strip().lower().rstrip("."))
    return None if factor is None else value * factor


def sputter_time(b: dict[str, Any], h: dict[str, Any]) -> tuple[float | None, str | None]:
    """(sputter time [s], where it was found) of a parsed block; see the module docstring."""
    variables = list(zip(h["variables"], b["variables"].values()))
    for (label, unit), value in variables:
        if _LABEL_RE.search(label) and _value(value) is not None:
            t = _seconds(value, unit if unit.strip().lower() not in ("", "d", "n") else "s")
            if t is not None:
                return t, f"experimental variable {label!r} [{unit}]"
    if h["experiment_mode"] in _PROFILE_MODES and len(variables) == 1:
        (label, unit), value = variables[0]
        t = _seconds(value, unit) if unit.strip().lower() in _TIME_UNITS_S else None
        if t is not None and _value(value) is not None:
            return t, f"experimental variable {label!r} [{unit}] of a {h['experiment_mode']} profile"
    for label, (value, unit) in b["additional"].items():
        if _LABEL_RE.search(label) and re.search("time", label, re.IGNORECASE) and _value(value) is not None:
            t = _seconds(value, unit)
            if t is not None:
                return t, f"additional parameter {label!r} [{unit}]"
    for where, lines in (("block comment", b["comment"]), ("block identifier", [b["block_id"]]),
                         ("sample identifier", [b["sample_id"]])):
        for line in lines:
            m = _TIME_RE.search(line)
            if m:
                t = _seconds(float(m.group("v")), m.group("u1") or m.group("u2"))
                if t is not None:
                    return t, f"{where} {line.strip()!r}"
    return None, None


def _etch_level(b: dict[str, Any]) -> int | None:
    for line in [b["block_id"], b["sample_id"], *b["comment"]]:
        m = _LEVEL_RE.search(line)
        if m:
            return int(m.group(1))
    return None


def _to_region(b: dict[str, Any], path: Path) -> XPSRegion:
    data = b["data"]
    if "x_start" in b:
        x = b["x_start"] + b["x_step"] * np.arange(data.shape[1])
        label, ycols, cols = b["x_label"], data, b["columns"]
    else:
        x, label = data[0], b["columns"][0][0]
        ycols, cols = data[1:], b["columns"][1:]
        if not cols:
            raise ReaderError(path, f"IRREGULAR block {b['block_id']!r} has only an abscissa column")
    hv = b["excitation_energy_eV"]
    if "kinetic" in label.lower():
        if hv is None:
            raise ReaderError(path, f"block {b['block_id']!r} has kinetic energies but no excitation energy")
        be, energy_note = np.round(hv - x, 9), f"binding energy = {hv} eV - kinetic energy"
    elif "binding" in label.lower() or b["technique"].upper().startswith("XPS"):
        be, energy_note = x, "binding energy as written"
    else:
        raise ReaderError(path, f"block {b['block_id']!r}: abscissa {label!r} is not an energy")
    counts = ycols[0]
    meta: dict[str, Any] = {
        "block_id": b["block_id"], "sample_id": b["sample_id"], "technique": b["technique"],
        "species": b["species"], "transition": b["transition"], "source": b["source_label"],
        "excitation_energy_eV": hv, "pass_energy_eV": b["pass_energy_eV"],
        "analyser_mode": b["analyser_mode"], "work_function_eV": b["work_function_eV"],
        "dwell_time_s": b["dwell_time_s"], "n_scans": b["n_scans"], "signal_mode": b["signal_mode"],
        "intensity_unit": cols[0][1], "abscissa": label, "energy": energy_note,
        "take_off_polar_deg": b["take_off_polar_deg"], "date": b["date"],
        "experimental_variables": dict(b["variables"]), "comment": list(b["comment"]),
        "future_upgrade": list(b["future_upgrade"]),
    }
    t_s, t_from = sputter_time(b, b["_h"])
    if t_from is not None:
        meta["sputter_time_from"] = t_from
    level = _etch_level(b)
    if level is not None:
        meta["etch_level"] = level
    sdp = {k: b[k] for k in b if k.startswith("sputter_")}
    if sdp:
        meta["sputter_source"] = sdp
    for (lab, _unit), col in zip(cols[1:], ycols[1:]):
        if "transmission" in lab.lower():
            meta["transmission"] = col.tolist()
    return XPSRegion(
        name=region_name(b["species"], b["transition"], b["block_id"]),
        binding_energy_eV=be, counts=counts, sputter_time_s=t_s,
        metadata=meta,
    )


def parse(path: Path) -> XPSAcquisition:
    """Parse a VAMAS file into one acquisition holding a region per block."""
    raw = path.read_bytes()
    text = raw.decode("utf-8", errors="replace") if b"\xff" not in raw[:4] else raw.decode("latin-1")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = 0
    while start < len(lines) and not lines[start].replace("\x00", "").strip():
        start += 1
    if start >= len(lines) or lines[start].strip() != IDENTIFIER:
        found = lines[start].strip()[:60] if start < len(lines) else "nothing"
        raise ReaderError(path, f"not a VAMAS file: first line should be {IDENTIFIER!r}, found {found!r}")
    c = _Lines(path, lines, start + 1)
    h = _parse_header(c)
    regions = []
    for k in range(h["n_blocks"]):
        try:
            b = _parse_block(c, h)
        except ReaderError as exc:
            raise ReaderError(path, f"block {k + 1} of {h['n_blocks']}: {exc.problem}") from None
        b["_h"] = h
        regions.append(_to_region(b, path))
    tail = [s.strip() for s in lines[c.i:] if s.strip()]
    if tail and tail[0].lower() != "end of experiment":
        raise ReaderError(path, f"line {c.i + 1}: expected 'end of experiment' after "
                          f"{h['n_blocks']} blocks, found {tail[0][:40]!r}")
    names = [r.name for r in regions]
    hv = next((r.metadata["excitation_energy_eV"] for r in regions if r.metadata["excitation_energy_eV"]), None)
    notes = [f"VAMAS {h['experiment_mode']}/{h['scan_mode']}: {len(regions)} blocks: {', '.join(names)}"]
    if any(r.sputter_time_s is not None for r in regions):
        notes.append("sputter times from block metadata")
    return XPSAcquisition(
        source=str(path), instrument="vamas", regions=tuple(regions), excitation_energy_eV=hv,
        notes=tuple(notes),
        metadata={"institution": h["institution"], "instrument_model": h["instrument_model"],
                  "operator": h["operator"], "experiment": h["experiment"],
                  "experiment_mode": h["experiment_mode"], "scan_mode": h["scan_mode"],
                  "comment": h["comment"], "blocks": names},
    )


@register("vamas", extensions=(".vms", ".npl"), kinds=("xps",), sniff=_sniff, priority=10)
def read(path: Path, kind: str) -> list[XPSAcquisition]:
    """Registry entry: a VAMAS file is one :class:`XPSAcquisition`."""
    return [parse(path)]
