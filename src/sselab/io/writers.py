"""Writers for electrochemistry files, so that simulated data goes through the same readers.

- :func:`write_spectrum_csv` — ``frequency (Hz), Re(Z) (Ohm), -Im(Z) (Ohm)``; −Z'' is written
  under a header with a minus, so the reader's sign rule is exact even for inductive data.
- :func:`write_spectrum_mpt` — a BioLogic EC-Lab style text export (``Nb header lines``,
  tab-separated, CRLF, Latin-1, optional decimal commas), one cycle number per spectrum.
- :func:`write_transient_csv`, :func:`write_galvanostatic_csv`, :func:`write_voltammogram_csv`.

Every CSV writer puts ``# Temperature: … K`` and ``# Electrode area: … cm2`` lines in front
when the measurement has them, and ``decimal_comma=True`` writes ``;``-separated decimal
commas.  Numbers are written with 17 significant digits, so a round trip is exact.

Examples
--------
>>> import numpy as np, tempfile, pathlib
>>> from sselab.measurements import Spectrum
>>> from sselab.io import read
>>> s = Spectrum(frequency_Hz=np.array([1e3, 1e2, 1e1]), impedance_ohm=np.array([1-1j, 2-2j, 3-1j]))
>>> p = pathlib.Path(tempfile.mkdtemp()) / "s.csv"
>>> write_spectrum_csv(p, s)
>>> np.allclose(read(p)[0].impedance_ohm, s.impedance_ohm)
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from ..measurements import CurrentTransient, GalvanostaticRecord, Spectrum, Voltammogram


def _fmt(value: float, decimal_comma: bool, spec: str = ".17g") -> str:
    text = format(float(value), spec)
    return text.replace(".", ",") if decimal_comma else text


def _preamble(m: object) -> list[str]:
    lines = []
    if getattr(m, "temperature_K", None) is not None:
        lines.append(f"# Temperature: {m.temperature_K:.17g} K")  # type: ignore[attr-defined]
    if getattr(m, "area_cm2", None) is not None:
        lines.append(f"# Electrode area: {m.area_cm2:.17g} cm2")  # type: ignore[attr-defined]
    return lines


def _write_table(path: str | Path, preamble: list[str], header: Sequence[str],
                 columns: Sequence[np.ndarray], decimal_comma: bool) -> None:
    sep = ";" if decimal_comma else ","
    lines = list(preamble) + [sep.join(header)]
    for row in zip(*columns):
        lines.append(sep.join(_fmt(v, decimal_comma) for v in row))
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_spectrum_csv(path: str | Path, spectrum: Spectrum, decimal_comma: bool = False) -> None:
    """Write one spectrum as CSV: frequency [Hz], Re(Z) [Ω], −Im(Z) [Ω]."""
    z = spectrum.impedance_ohm
    _write_table(path, _preamble(spectrum), ["frequency (Hz)", "Re(Z) (Ohm)", "-Im(Z) (Ohm)"],
                 [spectrum.frequency_Hz, z.real, -z.imag], decimal_comma)


def write_spectrum_mpt(path: str | Path, spectra: Spectrum | Iterable[Spectrum], decimal_comma: bool = False,
                       area_cm2: float | None = None, line_ending: str = "\r\n") -> None:
    """Write spectra as a BioLogic EC-Lab PEIS text export (one ``cycle number`` each).

    ``area_cm2`` (or the first spectrum's) goes in the ``Electrode surface area`` line; a
    temperature goes in a ``Temperature : … °C`` line.
    """
    items = [spectra] if isinstance(spectra, Spectrum) else list(spectra)
    area = area_cm2 if area_cm2 is not None else (items[0].area_cm2 if items else None)
    temp = items[0].temperature_K if items else None
    columns = ["freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm", "|Z|/Ohm", "Phase(Z)/deg", "time/s", "cycle number"]
    info = [
        "",
        "Potentio Electrochemical Impedance Spectroscopy",
        "",
        "Run on channel : 1",
        "Comments : written by sselab.io.writers",
        f"Electrode surface area : {_fmt(area if area is not None else 0.001, decimal_comma, '.3f')} cm\u00b2",
    ]
    if temp is not None:
        info.append(f"Temperature : {_fmt(temp - 273.15, decimal_comma, '.2f')} \u00b0C")
    n_header = len(info) + 3
    lines = ["EC-Lab ASCII FILE", f"Nb header lines : {n_header}".ljust(46)] + info + ["\t".join(columns) + "\t"]
    t = 0.0
    for cycle, s in enumerate(items, start=1):
        for f, z in zip(s.frequency_Hz, s.impedance_ohm):
            t += 1.0 / f + 0.1
            row = [f, z.real, -z.imag, abs(z), np.degrees(np.angle(z)), t, cycle]
            lines.append("\t".join(_fmt(v, decimal_comma, ".10E") for v in row) + "\t")
    Path(path).write_bytes((line_ending.join(lines) + line_ending).encode("latin-1"))


def write_transient_csv(path: str | Path, transient: CurrentTransient, decimal_comma: bool = False) -> None:
    """Write a current transient as CSV: time [s], current [A], potential [V]."""
    _write_table(path, _preamble(transient), ["time (s)", "current (A)", "potential (V)"],
                 [transient.time_s, transient.current_A, transient.potential_V], decimal_comma)


def write_galvanostatic_csv(path: str | Path, record: GalvanostaticRecord, decimal_comma: bool = False) -> None:
    """Write a galvanostatic record as CSV: time [s], current [A], voltage [V]."""
    _write_table(path, _preamble(record), ["time (s)", "current (A)", "voltage (V)"],
                 [record.time_s, record.current_A, record.voltage_V], decimal_comma)


def write_voltammogram_csv(path: str | Path, cv: Voltammogram, decimal_comma: bool = False) -> None:
    """Write a voltammogram as CSV: time [s], potential [V], current [A]."""
    _write_table(path, _preamble(cv), ["time (s)", "potential (V)", "current (A)"],
                 [cv.time_s, cv.potential_V, cv.current_A], decimal_comma)
