"""PHI MultiPak depth profile (``.pro``; also ``.spe`` spectra) reader.

Layout (reverse-engineered, as also read by pynxtools-xps): an ASCII header ``SOFH`` ...
``EOFH`` of ``Key: value`` lines, then little-endian binary data.  The binary part starts
with one uint32, then one 24 × uint32 record per data group: word 8 is the number of
points, word 9 the number of cycles, word 22 the group's byte length and word 23 its byte
offset.  The first ``NoSpectralReg`` groups are the regions (float32 or float64, cycles ×
points, counts per second); a further group in a depth profile holds the sputter time [s]
of each cycle.  Energies come from ``SpectralRegDef: id n name atomic_no n_points step
start stop ...`` (binding energy, start to stop).

The header also states the sputter schedule: ``NoPreSputterCyc`` cycles before any
sputtering, then per depth layer ``DepthCalDef: layer name ... ion <x> interval_min
n_cycles ...`` (fields 8 and 9 taken as the sputter interval [min] and the number of
cycles: reverse-engineered; in SnO2_10nm_1.pro "Ar+ 10.00 0.50 20" with 21 data cycles
and a binary cycle table of 0, 30, ..., 600 s).  The schedule is kept in the metadata and
checked against the binary table (a note says whether they agree); where the file has no
cycle table the schedule gives the times, and failing both the cycle index is used.

Each sputter cycle is returned as its own :class:`XPSAcquisition` (one region per
spectral region), sorted by sputter time: the shape a depth profile analysis expects.

Examples
--------
>>> from sselab.io import read                                       # doctest: +SKIP
>>> cycles = read("SnO2_10nm_1.pro", kind="xps"); len(cycles)         # doctest: +SKIP
21
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ...measurements import XPSAcquisition, XPSRegion
from ..registry import register

_RECORD = 24 * 4


def _sniff(path: Path, head: bytes) -> bool:
    return head.startswith(b"SOFH") and b"Platform:" in head[:200]


def _header(path: Path, raw: bytes) -> tuple[dict[str, list[str]], bytes]:
    marker = re.search(rb"EOFH\r?\n", raw)
    if not raw.startswith(b"SOFH") or marker is None:
        raise ReaderError(path, "not a PHI MultiPak file (expected SOFH ... EOFH header)")
    fields: dict[str, list[str]] = {}
    for line in raw[: marker.start()].decode("latin-1").splitlines()[1:]:
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip(), []).append(value.strip())
    return fields, raw[marker.end():]


def _regions(path: Path, fields: dict[str, list[str]]) -> list[tuple[str, np.ndarray, dict]]:
    defs = fields.get("SpectralRegDef", [])
    if not defs:
        raise ReaderError(path, "header has no SpectralRegDef lines")
    out = []
    for d in defs:
        parts = d.split()
        try:
            n, step, start, stop = int(parts[4]), float(parts[5]), float(parts[6]), float(parts[7])
            pass_energy = float(parts[-2])
        except (IndexError, ValueError):
            raise ReaderError(path, f"cannot parse SpectralRegDef {d!r}") from None
        name = parts[2]
        m = re.match(r"([A-Z][a-z]?)(\d[spdf]\d?)$", name)
        label = f"{m.group(1)} {m.group(2)[:2]}" if m else name
        if name.lower().startswith("su"):
            label = "Survey"
        energy = start + step * np.arange(n)
        if abs(energy[-1] - stop) > abs(step) * 0.51:
            raise ReaderError(path, f"region {name}: {n} points of {step} eV from {start} do not end at {stop}")
        out.append((label, np.round(energy, 9), {"phi_name": name, "pass_energy_eV": pass_energy}))
    return out


def sputter_schedule(fields: dict[str, list[str]]) -> tuple[list[dict], list[float] | None]:
    """(layers [{layer, ion, interval_min, cycles}], cumulative sputter times [s] of the data
    cycles, pre-sputter cycles at 0 s) from the header; ([], None) when it has none."""
    layers = []
    for d in fields.get("DepthCalDef", []):
        parts = d.split()
        try:
            layers.append({"layer": int(parts[0]), "name": parts[1], "ion": parts[5],
                           "interval_min": float(parts[7]), "cycles": int(parts[8])})
        except (IndexError, ValueError):
            return [], None
    if not layers:
        return [], None
    try:
        n_pre = int(fields.get("NoPreSputterCyc", ["0"])[0])
    except ValueError:
        n_pre = 0
    times, t = [0.0] * n_pre, 0.0
    for layer in sorted(layers, key=lambda x: x["layer"]):
        for _ in range(layer["cycles"]):
            t += 60.0 * layer["interval_min"]
            times.append(t)
    return layers, times


def parse(path: Path) -> list[XPSAcquisition]:
    """Parse a PHI ``.pro``/``.spe`` file: one acquisition per sputter cycle."""
    raw = path.read_bytes()
    fields, data = _header(path, raw)
    regions = _regions(path, fields)
    hv = None
    source = fields.get("XraySource", [""])[0].split()
    if len(source) >= 2:
        try:
            hv = float(source[1])
        except ValueError:
            hv = None
    n_groups = len(regions) + 1
    if len(data) < 4 + _RECORD * len(regions):
        raise ReaderError(path, "binary data block is truncated")
    records = [struct.unpack_from("<24I", data, 4 + _RECORD * k) for k in range(n_groups)
               if 4 + _RECORD * (k + 1) <= len(data)]
    arrays = []
    for (label, energy, _meta), rec in zip(regions, records):
        n_pts, n_cyc, length, offset = rec[8], rec[9], rec[22], rec[23]
        if n_pts != energy.size:
            raise ReaderError(path, f"region {label}: header says {energy.size} points, data {n_pts}")
        width = length // max(n_pts * n_cyc, 1)
        if width not in (4, 8) or offset + length > len(data):
            raise ReaderError(path, f"region {label}: unsupported or truncated binary data")
        arrays.append(np.frombuffer(data, "<f4" if width == 4 else "<f8", n_pts * n_cyc, offset)
                      .reshape(n_cyc, n_pts).astype(float))
    n_cycles = arrays[0].shape[0]
    times = None
    if len(records) > len(regions):
        rec = records[len(regions)]
        if rec[8] == n_cycles and rec[23] + rec[22] <= len(data) and rec[22] % (4 * n_cycles) == 0:
            t = np.frombuffer(data, "<f4", rec[22] // 4, rec[23]).reshape(-1, n_cycles)
            times = np.abs(t[0].astype(float))
    layers, schedule = sputter_schedule(fields)
    if schedule is not None and len(schedule) != n_cycles:
        schedule_note = (f"header sputter schedule has {len(schedule)} cycles, the data {n_cycles}: "
                         "schedule not used")
        schedule = None
    else:
        schedule_note = ""
    if times is not None:
        time_note = "sputter times [s] from the file's cycle table"
        if schedule is not None:
            agree = bool(np.allclose(times, schedule, atol=0.5))
            time_note += ("; they agree with the header's DepthCalDef schedule" if agree else
                          f"; WARNING: the header's DepthCalDef schedule says {schedule}")
    elif schedule is not None:
        times = np.asarray(schedule, float)
        time_note = "sputter times [s] from the header's DepthCalDef schedule (no cycle table)"
    else:
        times = np.arange(n_cycles, dtype=float) if n_cycles > 1 else np.array([0.0])
        time_note = "no sputter times in file: cycle index used"
    if schedule_note:
        time_note += "; " + schedule_note
    out = []
    for cyc in range(n_cycles):
        regs = tuple(
            XPSRegion(name=label, binding_energy_eV=energy, counts=arr[cyc],
                      sputter_time_s=float(times[cyc]),
                      metadata={**meta, "cycle": cyc, "intensity_unit": "c/s", "excitation_energy_eV": hv,
                                "energy": "binding energy as written"})
            for (label, energy, meta), arr in zip(regions, arrays)
        )
        out.append(XPSAcquisition(
            source=str(path), instrument="phi-pro", regions=regs, excitation_energy_eV=hv,
            notes=(f"PHI depth profile cycle {cyc + 1} of {n_cycles}: {', '.join(r.name for r in regs)}",
                   time_note),
            metadata={"cycle": cyc, "n_cycles": n_cycles,
                      "instrument_model": fields.get("InstrumentModel", [""])[0],
                      "sputter_ion": fields.get("SputterIon", [""])[0], "sputter_schedule": layers},
        ))
    return out


@register("phi-pro", extensions=(".pro", ".spe"), kinds=("xps",), sniff=_sniff, priority=10)
def read(path: Path, kind: str) -> list[XPSAcquisition]:
    """Registry entry: one acquisition per sputter cycle."""
    return parse(path)
