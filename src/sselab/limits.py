"""Stated ceilings on the size of what an analysis accepts (memory and time stay bounded).

Each ceiling is far above real measurements (an impedance spectrum has tens to a few
thousand points; 10 points per decade over 12 decades is 120) and far below what would take
gigabytes: an EIS analysis holds a few (2N × n_parameters) or (2N × n_tau) float arrays, so
20 000 points cost at most tens of megabytes.  Beyond a ceiling the analysis is refused with
one line saying the ceiling and what to do (decimate, e.g. keep every k-th point).

Example
-------
>>> check_points(25_000, MAX_EIS_POINTS, "the EIS fit", "big.csv")
Traceback (most recent call last):
...
sselab.exceptions.AnalysisError: big.csv: 25000 points; the EIS fit accepts at most 20000 (decimate the data first, e.g. keep one point in 2)
"""

from __future__ import annotations

from .exceptions import AnalysisError

#: Most points an impedance spectrum may have for fit, Kramers–Kronig and DRT.
MAX_EIS_POINTS = 20_000
#: Most DRT basis functions (the penalty matrix is n_tau², the design 2N × n_tau).
MAX_N_TAU = 2_000
#: Most points of an XRD pattern or XPS region for refinement/fitting.
MAX_PATTERN_POINTS = 200_000


def check_points(n: int, ceiling: int, what: str, source: str | None = None) -> None:
    """Refuse ``n`` points above ``ceiling`` with one line naming ``what`` and the ceiling."""
    if n > ceiling:
        step = -(-n // ceiling)
        raise AnalysisError(f"{source or 'data'}: {n} points; {what} accepts at most {ceiling} "
                            f"(decimate the data first, e.g. keep one point in {step})")
