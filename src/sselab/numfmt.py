"""Numbers with their uncertainty, at sensible significant digits, for terminals and tables.

The uncertainty decides the digits: it is shown with two significant digits when it reads
1.1–1.9 in its leading digits, else one, and the value is
rounded to the same decimal place.  A value without a finite uncertainty is shown with
``digits`` significant digits and ``± ?``; a value pinned at a bound says so instead of
printing 1e-305.  Never ``inf %``.

Examples
--------
>>> format_uncertain(5.538e-4, 2.1e-6, "S/cm")
'5.54(2)e-4 S/cm'
>>> format_uncertain(0.30012, 0.0011, "eV", style="pm")
'0.3001 ± 0.0011 eV'
>>> format_uncertain(88.43, None, "Ohm")
'88.43 ± ? Ohm'
>>> format_uncertain(9.8597e-305, None, "Ohm", lower=0.0)
'0 (at lower bound) Ohm'
>>> format_uncertain(1.2e27, 2e55, "Ohm")
'1.2e+27 ± 2e+55 Ohm (undetermined)'
"""

from __future__ import annotations

import math


def _sig_digits_of_unc(unc: float) -> int:
    m = f"{unc:.1e}"  # e.g. '1.4e-03'
    return 2 if m[0] == "1" and m[2] != "0" else 1


def format_uncertain(
    value: float | None,
    stderr: float | None,
    unit: str = "",
    *,
    style: str = "paren",
    digits: int = 4,
    lower: float | None = None,
    upper: float | None = None,
) -> str:
    """``value`` with ``stderr`` as ``5.54(2)e-4 unit`` (``style="paren"``) or
    ``0.300 ± 0.001 unit`` (``style="pm"``).

    ``lower``/``upper`` are the parameter's bounds: a value within a relative 1e-6 of one is
    printed as ``"<bound> (at lower bound)"``.
    """
    u = f" {unit}" if unit else ""
    if value is None or not math.isfinite(value):
        return f"n/a{u}"
    for bound, name in ((lower, "lower"), (upper, "upper")):
        if bound is not None and math.isfinite(bound):
            tol = 1e-6 * max(abs(bound), abs(value)) + 1e-300
            if abs(value - bound) <= tol or (name == "lower" and bound == 0 and abs(value) < 1e-250):
                return f"{_plain(bound, digits)} (at {name} bound){u}"
    if stderr is None or not math.isfinite(stderr) or stderr <= 0:
        return f"{_plain(value, digits)} ± ?{u}"
    if stderr > 10 * abs(value) and value != 0:
        return f"{value:.2g} ± {stderr:.1g}{u} (undetermined)"
    nd = _sig_digits_of_unc(stderr)
    exp_unc = math.floor(math.log10(stderr))
    last = exp_unc - nd + 1  # decimal place of the last digit shown
    if style == "pm":
        dec = max(-last, 0)
        if abs(value) >= 1e-3 and abs(value) < 1e6 and stderr < 1e6:
            return f"{round(value, -last):.{dec}f} ± {round(stderr, -last):.{dec}f}{u}"
    rounded = round(value, -last)  # the exponent of the value as shown (9.96e-11 ± 4e-11 shows as 1.0(4)e-10)
    exp_val = math.floor(math.log10(abs(rounded))) if rounded != 0 else exp_unc
    if -3 <= exp_val < 5 and last >= -8:
        dec = max(-last, 0)
        unc_digits = round(stderr / 10.0**last)
        if style == "pm":
            return f"{round(value, -last):.{dec}f} ± {round(stderr, -last):.{dec}f}{u}"
        return f"{round(value, -last):.{dec}f}({unc_digits}){u}" if dec > 0 else \
            f"{round(value, -last):.0f}({round(stderr, -last):.0f}){u}"
    # scientific: mantissa with the uncertainty's last digit
    mant = rounded / 10.0**exp_val
    dec = max(exp_val - last, 0)
    unc_digits = round(stderr / 10.0**last)
    if style == "pm":
        return f"{mant:.{dec}f}e{exp_val:+d} ± {stderr / 10.0**exp_val:.{dec}f}e{exp_val:+d}{u}"
    return f"{mant:.{dec}f}({unc_digits})e{exp_val}{u}"


def _plain(x: float, digits: int) -> str:
    if x == 0:
        return "0"
    e = math.floor(math.log10(abs(x)))
    if -3 <= e < 5:
        return f"{x:.{max(digits - 1 - e, 0)}f}".rstrip("0").rstrip(".") if "." in f"{x:.{max(digits - 1 - e, 0)}f}" else f"{x:.0f}"
    return f"{x:.{digits - 1}e}"


def format_relative(stderr: float | None, value: float | None) -> str:
    """Relative uncertainty in %, or ``"n/a"`` (never ``inf %``)."""
    if stderr is None or value in (None, 0) or not math.isfinite(stderr) or not math.isfinite(value):
        return "n/a"
    rel = abs(stderr / value) * 100
    if rel > 1e4:
        return "> 10000 %"
    return f"{rel:.2g} %"
