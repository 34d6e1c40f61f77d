"""Scienta SES Igor binary waves (``.ibw``), read with ``igor2`` (the maintained Igor reader).

The wave holds the intensities (1-D: energy; 2-D: energy × slice, slices summed); its
energy axis is Igor's scaling, E_i = sfB + sfA · i.  The wave note carries SES's
``[SES]`` key=value block (``Region Name``, ``Excitation Energy``, ``Energy Scale``,
``Energy Unit``, ``Pass Energy``, ``Number of Sweeps`` …), the same keys as the SES text
export (:mod:`.xps_scienta_txt`), and the same rule applies: ``Energy Scale`` (else the
axis's dimension unit, e.g. ``Binding Energy [eV]``) decides whether the axis is binding
or kinetic energy; ``Energy Unit`` is the analyser's setting and converts nothing.

Examples
--------
>>> from sselab.io import read                                 # doctest: +SKIP
>>> acq, = read("Ag_0001Ag__001.ibw", kind="xps")                # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ...measurements import XPSAcquisition, XPSRegion
from ..registry import register


def _sniff(path: Path, head: bytes) -> bool:
    # Igor binary wave versions 2, 3, 5 (little endian): the first short is the version
    return path.suffix.lower() == ".ibw" and len(head) > 2 and head[:2] in (b"\x05\x00", b"\x02\x00", b"\x03\x00")


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1", errors="replace")
    if isinstance(value, np.ndarray):
        return b"".join(np.asarray(value, dtype=bytes).ravel()).decode("latin-1", errors="replace")
    return str(value or "")


def parse(path: Path) -> XPSAcquisition:
    """Parse one SES ``.ibw`` wave into a one-region acquisition."""
    try:
        from igor2 import binarywave
    except ImportError:  # pragma: no cover - a declared dependency
        raise ReaderError(path, "reading .ibw needs the igor2 package (pip install igor2)") from None
    try:
        wave = binarywave.load(str(path))["wave"]
    except Exception as exc:  # igor2 raises many kinds on a corrupt file
        raise ReaderError(path, f"not a readable Igor binary wave ({type(exc).__name__}: {exc})") from None
    note = _text(wave.get("note")).replace("\r\n", "\n").replace("\r", "\n")
    info = {}
    for line in note.splitlines():
        if "=" in line and not line.startswith("["):
            k, v = line.split("=", 1)
            info.setdefault(k.strip(), v.strip())
    data = np.asarray(wave["wData"], dtype=float)
    header = wave["wave_header"]
    if data.ndim == 0 or data.shape[0] < 3:
        raise ReaderError(path, f"wave of shape {data.shape} is not a spectrum")
    y = data if data.ndim == 1 else data.reshape(data.shape[0], -1).sum(axis=1)
    sf_a, sf_b = float(header["sfA"][0]), float(header["sfB"][0])
    if sf_a == 0:
        raise ReaderError(path, "the wave has no energy scaling (sfA = 0)")
    energy = np.round(sf_b + sf_a * np.arange(data.shape[0]), 9)
    dim_units = wave.get("dimension_units")
    dim = _text(dim_units[0] if isinstance(dim_units, (list, tuple)) and dim_units else dim_units).lower()
    scale = info.get("Energy Scale", "").lower()
    if scale not in ("binding", "kinetic"):
        scale = "binding" if "binding" in dim else "kinetic" if "kinetic" in dim else ""
    if not scale:
        raise ReaderError(path, "neither 'Energy Scale' in the wave note nor the axis unit says binding or kinetic")
    hv = float(info["Excitation Energy"]) if info.get("Excitation Energy") else None
    if scale == "kinetic":
        if hv is None:
            raise ReaderError(path, "kinetic energies but no Excitation Energy in the wave note")
        be, conv = hv - energy, "binding = hv - kinetic"
    else:
        be, conv = energy, "binding as written"
    name = info.get("Region Name") or _text(header.get("bname")) or path.stem
    meta = {"excitation_energy_eV": hv, "energy": conv, "energy_scale": info.get("Energy Scale"),
            "energy_unit_of_analyser": info.get("Energy Unit"),
            "pass_energy_eV": float(info["Pass Energy"]) if info.get("Pass Energy") else None,
            "sweeps": float(info["Number of Sweeps"]) if info.get("Number of Sweeps") else None,
            "slices_summed": 1 if data.ndim == 1 else int(np.prod(data.shape[1:])),
            "sample": info.get("Sample")}
    region = XPSRegion(name=name, binding_energy_eV=be, counts=y, metadata=meta)
    return XPSAcquisition(source=str(path), instrument="scienta-ibw", regions=(region,), excitation_energy_eV=hv,
                          notes=(f"{name}: axis = {sf_b:g} + {sf_a:g}·i eV, Energy Scale={info.get('Energy Scale')}"
                                 f" → {conv}",))


@register("scienta-ibw", extensions=(".ibw",), kinds=("xps",), sniff=_sniff, priority=5)
def read(path: Path, kind: str) -> list[XPSAcquisition]:
    """Registry entry: one wave is one acquisition."""
    return [parse(path)]
