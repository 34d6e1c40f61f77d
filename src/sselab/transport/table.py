"""Reading a temperature–conductivity table (CSV) for an Arrhenius fit.

Columns are found from the header: temperature (``T_C``, ``T [°C]``, ``temperature_K``, ...),
conductivity (``sigma``, ``conductivity``, ``σ``; unit S/cm unless the header says mS/cm or
S/m) and optionally its standard error (a column whose name contains ``err``, ``stderr`` or
``sd``).  The temperature unit comes from the header, or is stated.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
>>> _ = p.write_text("T_C,sigma_mS_per_cm\\n40,0.094\\n100,0.76\\n")
>>> t = read_table(p)
>>> t.temperature_K, [round(s, 8) for s in t.sigma_S_per_cm]
((313.15, 373.15), [9.4e-05, 0.00076])
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from ..exceptions import ReaderError
from ..units import ZERO_CELSIUS_K


@dataclass(frozen=True)
class ConductivityTable:
    temperature_K: tuple[float, ...]
    sigma_S_per_cm: tuple[float, ...]
    sigma_stderr_S_per_cm: tuple[float, ...] | None
    notes: tuple[str, ...]
    #: the ``sample`` column (one label per row) when the table has one
    sample: tuple[str, ...] | None = None

    def samples(self) -> list[str]:
        """The distinct sample labels in order of appearance (``[]`` without a sample column)."""
        return list(dict.fromkeys(self.sample)) if self.sample else []

    def of_sample(self, name: str) -> "ConductivityTable":
        """The rows of one sample."""
        if not self.sample or name not in self.sample:
            raise ReaderError("table", f"no sample {name!r}; samples: {', '.join(self.samples()) or '(none)'}")
        idx = [i for i, s in enumerate(self.sample) if s == name]
        err = None if self.sigma_stderr_S_per_cm is None else tuple(self.sigma_stderr_S_per_cm[i] for i in idx)
        return ConductivityTable(tuple(self.temperature_K[i] for i in idx), tuple(self.sigma_S_per_cm[i] for i in idx),
                                 err, self.notes, tuple(name for _ in idx))


def _temperature_unit(header: str) -> str | None:
    h = header.lower()
    if "°c" in h or "degc" in h or "celsius" in h or re.search(r"(^|[\s_\[(/])c($|[\s\])])", h):
        return "C"
    if "kelvin" in h or re.search(r"(^|[\s_\[(/])k($|[\s\])])", h):
        return "K"
    return None


def _sigma_factor(header: str) -> float:
    h = header.lower().replace(" ", "")
    if "ms/cm" in h or "ms_per_cm" in h or "mscm" in h:
        return 1e-3
    if "s/m" in h or "s_per_m" in h and "s_per_cm" not in h:
        return 1e-2
    return 1.0


def read_table(path: str | Path, temperature_unit: str | None = None) -> ConductivityTable:
    """Read a T–σ table; ``temperature_unit`` ('C' or 'K') overrides the header."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ReaderError(path, f"cannot read: {exc.strerror or exc}") from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if len(lines) < 2:
        raise ReaderError(path, "expected a header line and at least one data row")
    dialect = csv.Sniffer().sniff(lines[0], delimiters=",;\t") if any(d in lines[0] for d in ",;\t") else csv.excel
    rows = list(csv.reader(lines, dialect))
    header = [h.strip() for h in rows[0]]
    low = [h.lower() for h in header]
    t_col = next((i for i, h in enumerate(low) if h.startswith("t") and not h.startswith("tion") or "temp" in h), None)
    s_col = next((i for i, h in enumerate(low) if ("sigma" in h or "cond" in h or "σ" in h) and not any(k in h for k in ("err", "sd", "std"))), None)
    e_col = next((i for i, h in enumerate(low) if i not in (t_col, s_col) and any(k in h for k in ("err", "stderr", "sd", "std"))), None)
    n_col = next((i for i, h in enumerate(low) if h in ("sample", "sample_name", "sample_id", "specimen")), None)
    if t_col is None or s_col is None:
        raise ReaderError(path, f"expected a temperature column (T_C, T_K, temperature ...) and a conductivity column (sigma ...); header is {header}")
    unit = temperature_unit.upper().replace("°", "") if temperature_unit else _temperature_unit(header[t_col])
    if unit not in ("C", "K"):
        raise ReaderError(path, f"cannot tell whether column {header[t_col]!r} is in °C or K: name it T_C or T_K, or state the unit")
    factor = _sigma_factor(header[s_col])
    e_factor = _sigma_factor(header[e_col]) if e_col is not None else 1.0
    T, S, E, N = [], [], [], []
    for n, row in enumerate(rows[1:], start=2):
        try:
            t = float(row[t_col].replace(",", ".") if dialect.delimiter != "," else row[t_col])
            s = float(row[s_col].replace(",", ".") if dialect.delimiter != "," else row[s_col])
            e = float(row[e_col]) * e_factor if e_col is not None else None
        except (ValueError, IndexError):
            raise ReaderError(path, f"line {n}: expected numbers, got {row}") from None
        N.append(row[n_col].strip() if n_col is not None and n_col < len(row) else "")
        T.append(t + ZERO_CELSIUS_K if unit == "C" else t)
        S.append(s * factor)
        E.append(e)
    notes = (
        f"temperature column {header[t_col]!r} read as {'°C' if unit == 'C' else 'K'}"
        + (" (stated)" if temperature_unit else " (from the header)"),
        f"conductivity column {header[s_col]!r} read in S/cm × {factor:g}",
    )
    return ConductivityTable(tuple(T), tuple(S), tuple(E) if e_col is not None else None, notes,
                             tuple(N) if n_col is not None else None)
