"""EDS spectra and spectrum images, read through RosettaSciIO.

- EMSA/MSA (``.msa``, ``.emsa``, ``.txt`` with ``#FORMAT: EMSA``): :mod:`rsciio.msa`;
- Bruker Esprit ``.spx`` (one spectrum) and ``.bcf`` (hypermap + images): :mod:`rsciio.bruker`.

Energies are stored in keV (the field's unit for X-ray lines), counts as floats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..exceptions import ReaderError


@dataclass(frozen=True)
class EDSSpectrum:
    """One EDS spectrum: counts per channel on a linear energy axis."""

    energy_keV: np.ndarray
    counts: np.ndarray
    beam_energy_keV: float | None = None
    live_time_s: float | None = None
    elements_listed: tuple[str, ...] = ()
    path: str | None = None
    title: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def channel_keV(self) -> float:
        return float(np.median(np.diff(self.energy_keV)))

    def summary(self) -> dict[str, Any]:
        return {
            "path": self.path, "title": self.title, "channels": int(self.counts.size),
            "channel_eV": 1e3 * self.channel_keV, "offset_eV": 1e3 * float(self.energy_keV[0]),
            "beam_energy_keV": self.beam_energy_keV, "live_time_s": self.live_time_s,
            "total_counts": float(self.counts.sum()), "elements_listed": list(self.elements_listed),
        }


@dataclass(frozen=True)
class EDSMap:
    """An EDS spectrum image: ``cube[row, column, channel]`` with the pixel size [m]."""

    energy_keV: np.ndarray
    cube: np.ndarray
    pixel_size_m: tuple[float, float] | None = None
    beam_energy_keV: float | None = None
    elements_listed: tuple[str, ...] = ()
    path: str | None = None
    images: dict[str, np.ndarray] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)  # the reading verdict (sselab.io.read)

    def sum_spectrum(self) -> EDSSpectrum:
        """The map's total spectrum."""
        return EDSSpectrum(self.energy_keV, self.cube.reshape(-1, self.cube.shape[-1]).sum(axis=0).astype(float),
                           self.beam_energy_keV, None, self.elements_listed, self.path, "sum spectrum")


def _axis_keV(ax: dict) -> np.ndarray:
    scale, offset, size = float(ax["scale"]), float(ax.get("offset", 0.0)), int(ax["size"])
    unit = (ax.get("units") or "eV").strip()
    f = {"eV": 1e-3, "keV": 1.0}.get(unit)
    if f is None:
        raise ValueError(f"energy axis in {unit!r}")
    return (offset + scale * np.arange(size)) * f


def _beam(md: dict) -> float | None:
    for key in ("SEM", "TEM"):
        v = md.get("Acquisition_instrument", {}).get(key, {}).get("beam_energy")
        if v is not None:
            return float(v)
    return None


def _live(md: dict) -> float | None:
    for key in ("SEM", "TEM"):
        v = md.get("Acquisition_instrument", {}).get(key, {}).get("Detector", {}).get("EDS", {}).get("live_time")
        if v is not None:
            return float(v)
    return None


def _elements(md: dict) -> tuple[str, ...]:
    return tuple(md.get("Sample", {}).get("elements", ()) or ())


def read_eds(path: str | Path) -> list[EDSSpectrum | EDSMap]:
    """Read an EDS file: a list of :class:`EDSSpectrum` (MSA, SPX) or :class:`EDSMap` (BCF, Ripple .rpl/.raw).

    Raises
    ------
    ReaderError
        Unknown or unreadable file.
    """
    path = Path(path)
    if not path.is_file():
        raise ReaderError(path, "no such file")
    ext = path.suffix.lower()
    try:
        if ext in (".msa", ".emsa", ".txt"):
            from rsciio.msa import file_reader

            dicts = file_reader(str(path))
        elif ext in (".spx", ".bcf"):
            from rsciio.bruker import file_reader

            dicts = file_reader(str(path))
        elif ext == ".rpl":
            from rsciio.ripple import file_reader

            dicts = file_reader(str(path))
        else:
            raise ReaderError(path, f"not an EDS file type ({ext or 'no extension'}); expected .msa, .emsa, .spx, .bcf or .rpl (+ .raw)")
    except ReaderError:
        raise
    except Exception as exc:  # rsciio raises many types for a malformed file
        raise ReaderError(path, f"RosettaSciIO could not read it: {type(exc).__name__}: {exc}") from None
    out: list[EDSSpectrum | EDSMap] = []
    images = {}
    for d in dicts:
        data, axes, md = np.asarray(d["data"]), d["axes"], d.get("metadata", {})
        e_axes = [ax for ax in axes if not ax.get("navigate", True)] if data.ndim == 1 else \
            [ax for ax in axes if "nergy" in str(ax.get("name", "")) or ax.get("units") in ("eV", "keV")]
        if data.ndim == 2 and not e_axes:
            images[f"image_{len(images)}_{data.shape[0]}x{data.shape[1]}"] = data
            continue
        if not e_axes or data.shape[-1] < 16:
            continue
        try:
            e = _axis_keV(e_axes[-1])
        except ValueError as exc:
            raise ReaderError(path, str(exc)) from None
        if data.ndim == 1:
            out.append(EDSSpectrum(e, data.astype(float), _beam(md), _live(md), _elements(md), str(path),
                                   str(md.get("General", {}).get("title", ""))))
        elif data.ndim == 3:
            nav = [ax for ax in axes if ax is not e_axes[-1]]
            px = None
            if len(nav) == 2 and all(ax.get("units") in ("µm", "um") for ax in nav):
                px = (float(nav[0]["scale"]) * 1e-6, float(nav[1]["scale"]) * 1e-6)
            out.append(EDSMap(e, data, px, _beam(md), _elements(md), str(path)))
    if not out:
        raise ReaderError(path, "no EDS spectrum in the file")
    return [EDSMap(m.energy_keV, m.cube, m.pixel_size_m, m.beam_energy_keV, m.elements_listed, m.path, images)
            if isinstance(m, EDSMap) else m for m in out]
