"""Turn named or unnamed columns into impedance: column choice, units and the sign of Z''.

Shared by the CSV, BioLogic and Gamry readers so every format detects the same way.

Sign convention: sselab stores Z = Z' + jZ'' with Z'' < 0 for a capacitive response.  A column
named with a leading minus (``-Im(Z)``, ``-Z''``) is negated.  A column without a minus whose
values are mostly positive is taken to hold −Z'' (the Nyquist-plot habit) and negated; the
notes say which of these happened.

Examples
--------
>>> import numpy as np
>>> z, notes = impedance_from_parts(np.array([1.0, 2.0]), np.array([3.0, 1.0]), "Z''")
>>> z.imag.tolist()
[-3.0, -1.0]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..exceptions import ReaderError
from .columns import Column, find_column


def _sign_of_imag(values: np.ndarray, header: str, negated: bool) -> tuple[np.ndarray, str]:
    if negated:
        return -values, f"column {header!r} holds −Z''; negated to Z'' (capacitive Z'' < 0)"
    n_pos = int((values > 0).sum())
    if n_pos > values.size / 2:
        return -values, (
            f"column {header!r} is mostly positive ({n_pos} of {values.size} points): taken as −Z'' "
            "and negated so that capacitive Z'' < 0"
        )
    return values, f"column {header!r} taken as Z'' as written (mostly negative, capacitive Z'' < 0)"


def impedance_from_parts(real: np.ndarray, imag: np.ndarray, imag_header: str = "Z''", negated: bool = False) -> tuple[np.ndarray, list[str]]:
    """Z from real and imaginary columns, with the sign of Z'' decided as documented above."""
    imag, note = _sign_of_imag(np.asarray(imag, float), imag_header, negated)
    z = np.empty(imag.shape, complex)  # assembled, not multiplied: an inf in a file stays inf (and is
    z.real, z.imag = np.asarray(real, float), imag  # dropped with a note by the checks), no NaN from 1j·inf
    return z, [note]


def impedance_from_polar(modulus: np.ndarray, phase_deg: np.ndarray, phase_header: str = "phase", negated: bool = False) -> tuple[np.ndarray, list[str]]:
    """Z from |Z| and phase [deg]; a mostly positive phase is taken as −φ (noted)."""
    phase, note = _sign_of_imag(np.asarray(phase_deg, float), phase_header, negated)
    note = note.replace("−Z''", "−phase").replace("to Z''", "to phase").replace("as Z''", "as phase")
    note = note.replace("capacitive Z'' < 0", "capacitive phase < 0")
    with np.errstate(invalid="ignore", over="ignore"):  # non-finite rows are dropped, with a note, by the checks
        z = np.asarray(modulus, float) * np.exp(1j * np.deg2rad(phase))
    return z, [f"impedance from |Z| and phase; {note}"]


def impedance_columns(header: list[str], data: np.ndarray, path: Path | str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Frequency [Hz], Z [Ω] and notes from a table with a header.

    Raises :class:`ReaderError` when no frequency column or no impedance columns are found.
    """
    freq = find_column(header, "frequency", "frequency", path)
    if freq is None:
        raise ReaderError(path, f"no frequency column among {', '.join(repr(h) for h in header)}")
    notes = [f"frequency from column {freq.header!r}" + (f" ({freq.unit})" if freq.unit else " (Hz assumed)")]
    f = data[:, freq.index] * freq.factor
    real = find_column(header, "real", "impedance", path)
    imag = find_column(header, "imag", "impedance", path)
    if real is not None and imag is not None:
        re_values = data[:, real.index] * real.factor
        if real.negated:
            re_values = -re_values
            notes.append(f"column {real.header!r} holds −Z'; negated to Z'")
        z, sign_notes = impedance_from_parts(re_values, data[:, imag.index] * imag.factor, imag.header, imag.negated)
        notes.append(f"Z' from {real.header!r}, Z'' from {imag.header!r}" + _unit_note(real))
        return f, z, notes + sign_notes
    mod = find_column(header, "modulus", "impedance", path)
    phase = find_column(header, "phase", "phase", path)
    if mod is not None and phase is not None:
        z, sign_notes = impedance_from_polar(
            data[:, mod.index] * mod.factor, data[:, phase.index] * phase.factor, phase.header, phase.negated
        )
        notes.append(f"|Z| from {mod.header!r}, phase from {phase.header!r}" + _unit_note(mod))
        return f, z, notes + sign_notes
    raise ReaderError(
        path, "no impedance columns (expected Z'/Re(Z) and Z''/Im(Z), or |Z| and phase) among "
        + ", ".join(repr(h) for h in header)
    )


def _unit_note(col: Column) -> str:
    return f" in {col.unit}" if col.unit else " (Ω assumed)"


def headerless_impedance(data: np.ndarray, path: Path | str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A headerless table of 3 columns f [Hz], Z' [Ω], Z'' [Ω] (impedance.py's CSV layout)."""
    if data.shape[1] != 3:
        raise ReaderError(
            path, f"no header and {data.shape[1]} columns; a headerless spectrum must have 3 columns (f, Z', Z'')"
        )
    z, sign_notes = impedance_from_parts(data[:, 1], data[:, 2], "column 3")
    return data[:, 0], z, ["no header: columns taken as f [Hz], Z' [Ω], Z'' [Ω]"] + sign_notes


def looks_like_impedance_header(fields: list[str]) -> bool:
    """True when ``fields`` name a frequency and either Z'/Z'' or |Z|/phase (by meaning)."""
    try:
        if find_column(fields, "frequency") is None:
            return False
        if find_column(fields, "real") is not None and find_column(fields, "imag") is not None:
            return True
        return find_column(fields, "modulus") is not None and find_column(fields, "phase") is not None
    except ReaderError:
        return False


__all__ = ["looks_like_impedance_header", "impedance_columns", "headerless_impedance", "impedance_from_parts", "impedance_from_polar"]
