"""Masking and cropping a spectrum: frequency limits, inductive points, points by index.

One function, :func:`select`, used by every analysis front end (``sselab eis fit/kk/drt/
series``, the study manifest's ``f_min_Hz``/``f_max_Hz``/``drop_inductive``/``mask``
settings, the Python API): it returns a :class:`Selection` holding the kept spectrum and
the record of which points were masked and why, so a result can say what it was computed
from.  Indices are 0-based positions in the spectrum as read (file order).

Reasons (stable codes): ``below_fmin``, ``above_fmax``, ``inductive`` (Im Z > 0, e.g. cable
inductance at high frequency), ``user`` (named by index).  A point masked for several
reasons is recorded with the first in that order.

Examples
--------
>>> import numpy as np
>>> from sselab.measurements import Spectrum
>>> f = np.logspace(5, -2, 8)
>>> z = np.array([5 + 2j, 6 - 1j, 8 - 3j, 12 - 6j, 20 - 8j, 26 - 6j, 29 - 4j, 30 - 3j])
>>> sel = select(Spectrum(frequency_Hz=f, impedance_ohm=z), f_min_Hz=0.05, drop_inductive=True)
>>> sel.spectrum.n_points, sel.masked_indices
(6, (0, 7))
>>> [m["reason"] for m in sel.to_dict()["masked"]]
['inductive', 'below_fmin']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np

from ..exceptions import AnalysisError, SselabError
from ..measurements import Spectrum

REASONS = ("below_fmin", "above_fmax", "inductive", "user")
_WORDS = {"below_fmin": "below f_min", "above_fmax": "above f_max", "inductive": "inductive (Im Z > 0)",
          "user": "masked by index"}
#: fewer kept points than this is an error (no analysis here is meaningful on less)
MIN_POINTS = 5


def parse_indices(text: str | Iterable[int] | None) -> tuple[int, ...]:
    """``"3,4,10-12"`` (or a list of ints) as sorted unique indices (3, 4, 10, 11, 12)."""
    if text is None:
        return ()
    if not isinstance(text, str):
        items = list(text)
        if any(isinstance(i, bool) or int(i) != i or i < 0 for i in items):
            raise SselabError(f"mask indices must be whole numbers ≥ 0, got {items!r}")
        return tuple(sorted({int(i) for i in items}))
    out: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        lo, dash, hi = part.partition("-")
        try:
            a = int(lo)
            b = int(hi) if dash else a
        except ValueError:
            raise SselabError(f"--mask expects indices like 3,4,10-12, got {text!r}") from None
        if a < 0 or b < a:
            raise SselabError(f"--mask: bad range {part!r} (0-based indices, low-high)")
        out.update(range(a, b + 1))
    return tuple(sorted(out))


@dataclass(frozen=True)
class Selection:
    """The kept spectrum and what was masked.

    Attributes
    ----------
    spectrum : Spectrum
        The kept points (metadata and notes of the original, plus one note when any were masked).
    original : Spectrum
    keep : ndarray of bool
        Per original point.
    reasons : dict
        ``{index: reason code}`` of every masked point.
    settings : dict
        The settings that made the selection (JSON-ready).
    """

    spectrum: Spectrum
    original: Spectrum
    keep: np.ndarray
    reasons: Mapping[int, str]
    settings: Mapping[str, Any]

    @property
    def masked_indices(self) -> tuple[int, ...]:
        return tuple(sorted(self.reasons))

    @property
    def n_masked(self) -> int:
        return len(self.reasons)

    @property
    def masked(self) -> Spectrum:
        """The masked points as a spectrum (for drawing them hollow)."""
        drop = ~self.keep
        return Spectrum(frequency_Hz=self.original.frequency_Hz[drop], impedance_ohm=self.original.impedance_ohm[drop],
                        source=self.original.source)

    def summary(self) -> str:
        """One sentence: how many points were masked, for which reasons."""
        if not self.reasons:
            return f"all {self.original.n_points} points used"
        counts = {r: sum(1 for v in self.reasons.values() if v == r) for r in REASONS}
        parts = ", ".join(f"{n} {_WORDS[r]}" for r, n in counts.items() if n)
        return f"{self.n_masked} of {self.original.n_points} points masked ({parts})"

    def to_dict(self) -> dict[str, Any]:
        f = self.original.frequency_Hz
        return {
            "settings": dict(self.settings),
            "n_points_total": self.original.n_points,
            "n_points_used": int(self.keep.sum()),
            "n_masked": self.n_masked,
            "masked": [{"index": i, "frequency_Hz": float(f[i]), "reason": self.reasons[i]}
                       for i in self.masked_indices],
            "summary": self.summary(),
        }


def select(
    spectrum: Spectrum,
    *,
    f_min_Hz: float | None = None,
    f_max_Hz: float | None = None,
    drop_inductive: bool = False,
    mask: str | Iterable[int] | None = None,
) -> Selection:
    """Keep the points of ``spectrum`` inside [f_min_Hz, f_max_Hz], without inductive points
    (Im Z > 0) when ``drop_inductive``, and without the points at indices ``mask``.

    Raises
    ------
    SselabError
        An index beyond the spectrum, f_min above f_max, or fewer than ``MIN_POINTS`` left.
    """
    f, z = spectrum.frequency_Hz, spectrum.impedance_ohm
    n = f.size
    indices = parse_indices(mask)
    src = spectrum.source or "spectrum"
    for name, v in (("f_min", f_min_Hz), ("f_max", f_max_Hz)):
        if v is not None and not (np.isfinite(v) and v > 0):
            raise SselabError(f"{name} must be a positive frequency in Hz, got {v!r}")
    if f_min_Hz is not None and f_max_Hz is not None and f_min_Hz >= f_max_Hz:
        raise SselabError(f"f_min ({f_min_Hz:g} Hz) must be below f_max ({f_max_Hz:g} Hz)")
    bad = [i for i in indices if i >= n]
    if bad:
        raise SselabError(f"{src}: mask index {bad[0]} is beyond its {n} points (0-based, 0 to {n - 1})")
    # only the rules asked for, in the order their reasons take precedence (none: nothing evaluated)
    rules = []
    if f_min_Hz is not None:
        rules.append(("below_fmin", f < f_min_Hz))
    if f_max_Hz is not None:
        rules.append(("above_fmax", f > f_max_Hz))
    if drop_inductive:
        rules.append(("inductive", z.imag > 0))
    if indices:
        rules.append(("user", np.isin(np.arange(n), indices)))
    reasons: dict[int, str] = {}
    for code, hit in rules:
        for i in np.flatnonzero(hit):
            reasons.setdefault(int(i), code)
    keep = np.ones(n, bool)
    keep[list(reasons)] = False
    settings = {"f_min_Hz": f_min_Hz, "f_max_Hz": f_max_Hz, "drop_inductive": bool(drop_inductive),
                "mask": list(indices)}
    if int(keep.sum()) < MIN_POINTS:
        raise AnalysisError(f"{src}: only {int(keep.sum())} of {n} points left after masking "
                            f"(at least {MIN_POINTS} needed); widen --fmin/--fmax or mask fewer points")
    sel = Selection(spectrum, spectrum, keep, reasons, settings)
    if not reasons:
        return sel
    kept = Spectrum(frequency_Hz=f[keep], impedance_ohm=z[keep], source=spectrum.source,
                    instrument=spectrum.instrument, temperature_K=spectrum.temperature_K, area_cm2=spectrum.area_cm2,
                    notes=tuple(spectrum.notes) + (sel.summary(),),
                    metadata={**spectrum.metadata, "mask": sel.to_dict()})
    return Selection(kept, spectrum, keep, reasons, settings)


def select_from_settings(spectrum: Spectrum, settings: Mapping[str, Any]) -> Selection:
    """:func:`select` with the study manifest's keys (``f_min_Hz``, ``f_max_Hz``,
    ``drop_inductive``, ``mask``; absent keys select nothing)."""
    return select(spectrum, f_min_Hz=settings.get("f_min_Hz"), f_max_Hz=settings.get("f_max_Hz"),
                  drop_inductive=bool(settings.get("drop_inductive", False)), mask=settings.get("mask") or None)
