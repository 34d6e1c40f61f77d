"""CasaXPS line-shape strings in sselab: GL(p), SGL(p), LA(α,β,m), LF(α,β,w,m), and the width
conventions that make sselab draw the curve CasaXPS draws for the same stored numbers.

- ``GL(p)``: CasaXPS's width is the true FWHM of the Gaussian–Lorentzian product, sselab's GL
  takes it as F in the formula (:func:`gl_width_factor`).
- ``LA(α,β,m)``/``LA(α,m)``: an asymmetric Lorentzian convolved with a Gaussian, scaled to the
  stored FWHM (:func:`casa_la`, drawn with sselab's ``LF``).
- ``LF(α,β,w,m)``: sselab's ``LF`` calibrated on CasaXPS's exported curves (:func:`casa_lf`).

Used by :mod:`sselab.xps.casa` (import/refit), :mod:`sselab.xps.casa_export` and the CLI/YAML shape
syntax (:func:`parse_shape_text`).
"""

from __future__ import annotations

import re
from functools import lru_cache

_SHAPE = re.compile(r"^\s*([A-Za-z]+)\s*(?:\(([^)]*)\))?\s*$")


def sselab_shape(casa: str) -> tuple[str, dict[str, float], str | None]:
    """(shape, params, note) for a CasaXPS line-shape string; the note says what was substituted.

    GL(p)/SGL(p) are exact (m = p/100; GL widths see :func:`gl_width_factor`);
    LA(α,β,m) and LA(α,m) (= LA(α,α,m), HarwellXPS knowledge base "LA and LF lineshapes")
    map to sselab's LF with the widths of :func:`casa_la`; LF(α,β,w,m[,n]) maps to sselab's
    LF (see :mod:`sselab.xps.lineshapes`; its widths are calibrated at w = 80, m = 100 —
    other w, m are noted); others become GL(30) (noted).
    """
    m = _SHAPE.match(casa or "")
    if not m:
        return "GL", {"m": 0.3}, f"line shape {casa!r} not understood; GL(30) used"
    name, args = m.group(1).upper(), [a for a in (m.group(2) or "").split(",") if a.strip()]
    try:
        nums = [float(a) for a in args]
    except ValueError:
        return "GL", {"m": 0.3}, f"line shape {casa!r} not understood; GL(30) used"
    if name in ("GL", "SGL"):
        return name, {"m": (nums[0] if nums else 30.0) / 100.0}, None
    if name == "LA" and len(nums) in (2, 3) and all(0.05 <= v <= 50 for v in (nums[0], nums[-2])) \
            and 0 <= nums[-1] <= 499:
        alpha, beta, m_ = (nums[0], nums[0], nums[1]) if len(nums) == 2 else nums
        return "LF", casa_la(alpha, beta, m_), None
    if name == "LF" and len(nums) >= 2:
        params, note = casa_lf(casa, nums)
        return "LF", params, note
    return "GL", {"m": 0.3}, f"line shape {casa} is not available in sselab; refitted with GL(30)"


def gl_width_factor(m: float) -> float:
    """sselab GL width / CasaXPS GL width for the same curve: CasaXPS's GL(p) is the product
    exp(−4 ln2 (1−m) u²)/(1 + 4m u²) scaled so that its true FWHM is the stored FWHM, whereas
    sselab's GL uses the stored width as F in that formula (true FWHM slightly below F).  The
    factor is F/true FWHM: 1.0402 at GL(30), 1.0448 at GL(40), 1 at m = 0 or 1.  Evidence: on
    the WS2/MoS2 file's GL(30) S 2p fits the stored model's χ² drops from 6.9-49.7 to 5.4-34.0
    with it, and the refit FWHMs otherwise come out 3.5-5.4 % wide (benchmarks/RESULTS.md)."""
    return _gl_factor(round(float(m), 9)) if 0 < m < 1 else 1.0


@lru_cache(maxsize=64)
def _gl_factor(m: float) -> float:
    import numpy as np
    from scipy.optimize import brentq

    half = brentq(lambda u: np.exp(-4 * np.log(2) * (1 - m) * u * u) / (1 + 4 * m * u * u) - 0.5, 1e-6, 0.5 + 1e-9)
    return 1.0 / (2.0 * half)


#: CasaXPS LA(α,β,m): Gaussian FWHM / Lorentzian FWHM = m / LA_M_SCALE (see :func:`casa_la`)
LA_M_SCALE = 145.0


def casa_la(alpha: float, beta: float, m: float) -> dict[str, float]:
    """sselab LF parameters reproducing CasaXPS's LA(α, β, m).

    CasaXPS publishes no formula beyond "an asymmetric Lorentzian (exponent α on the
    high-binding-energy side, β on the other) convolved with a Gaussian of width m, 0-499"
    (HarwellXPS knowledge base, "LA and LF lineshapes").  sselab's reading, inferred from
    CasaXPS's stored models on public files (benchmarks/bench_xps_casa.py, RESULTS.md): the
    core 1/(1 + 4(u/ℓ)²)^(α|β) is convolved with a Gaussian of FWHM g, g/ℓ = m/145, and ℓ is
    set so that the curve's FWHM is the component's FWHM.  On 10 regions of two files
    (m = 70, 100, 130, 243) this drops the stored models' summed reduced χ² from 2513
    (unconvolved LA) to 125 (g/ℓ = m/140-150 all within 3 % of it).  Returned as sselab
    ``LF`` parameters with no tail damping (``damp`` 1000).
    """
    return dict(_casa_la(round(float(alpha), 9), round(float(beta), 9), round(float(m), 9)))


@lru_cache(maxsize=128)
def _casa_la(alpha: float, beta: float, m: float) -> tuple[tuple[str, float], ...]:
    import numpy as np
    from scipy.optimize import brentq

    from .lineshapes import unit_shape

    u = np.linspace(-4.0, 4.0, 16001)
    ratio = m / LA_M_SCALE

    def width(lor: float) -> float:
        g = max(ratio * lor, 0.011)
        y = unit_shape("LF", u, alpha=alpha, beta=beta, lor=lor, gauss=g, damp=1000.0)
        y = y / y.max()
        above = np.nonzero(y >= 0.5)[0]
        i, j = above[0], above[-1]
        left = u[i - 1] + (0.5 - y[i - 1]) / (y[i] - y[i - 1]) * (u[i] - u[i - 1])
        right = u[j] + (y[j] - 0.5) / (y[j] - y[j + 1]) * (u[j + 1] - u[j])
        return float(right - left)

    hi = min(4.0, 4.9 / ratio) if ratio > 0 else 4.0
    lor = brentq(lambda v: width(v) - 1.0, 0.05, hi, xtol=1e-6)
    return (("alpha", alpha), ("beta", beta), ("lor", lor), ("gauss", max(ratio * lor, 0.011)), ("damp", 1000.0))


def casa_lf(text: str, nums: list[float]) -> tuple[dict[str, float], str | None]:
    """sselab LF parameters for CasaXPS's LF(α, β[, w, m[, n]]) and a note when w, m differ
    from the calibrated LF(α, β, 80, 100) (the widths are then the calibrated ones)."""
    from ..exceptions import ParameterError

    alpha, beta = nums[0], nums[1]
    if not (0.05 <= alpha <= 50 and 0.05 <= beta <= 50):
        raise ParameterError(f"line shape {text!r}: α and β must be within 0.05-50")
    note = None
    if len(nums) >= 4 and (nums[2], nums[3]) != (80.0, 100.0):
        note = (f"{text}: sselab's LF widths are calibrated on CasaXPS's LF(α,β,80,100); "
                f"w = {nums[2]:g}, m = {nums[3]:g} use that calibration")
    return {"alpha": alpha, "beta": beta}, note


def parse_shape_text(text: str) -> tuple[str, dict[str, float]]:
    """A line shape in CasaXPS syntax for the CLI and models: ``GL``, ``GL(30)``, ``SGL(30)``
    (Lorentzian %), ``LA(1.1,2.5)`` (α, β: sselab's LA, no Gaussian), CasaXPS's ``LA(1.1,2.5,20)``
    (α, β, m: drawn as sselab's LF with :func:`casa_la`'s widths; the width is then CasaXPS's
    FWHM), ``LF(0.54,10)`` or CasaXPS's ``LF(0.54,10,80,100,6)`` (α, β; w, m as in
    :func:`casa_lf`), ``DS(0.1)`` (α), ``V(0.3)`` (Lorentzian share of the FWHM), ``PV(0.5)`` (η).
    Two numbers in LA are sselab's (α, β); in a CasaXPS file (:func:`sselab_shape`) they are (α, m).

    >>> parse_shape_text("SGL(30)")
    ('SGL', {'m': 0.3})
    """
    from ..exceptions import ParameterError
    from .lineshapes import get_shape

    m = _SHAPE.match(text or "")
    if not m:
        raise ParameterError(f"line shape {text!r}: expected e.g. 'GL(30)', 'SGL(30)', 'LA(1.1,2.5)'")
    try:
        nums = [float(a) for a in (m.group(2) or "").split(",") if a.strip()]
    except ValueError:
        raise ParameterError(f"line shape {text!r}: the parameters must be numbers") from None
    name = get_shape(m.group(1)).name
    if name == "LA" and len(nums) == 3:
        if not (0.05 <= nums[0] <= 50 and 0.05 <= nums[1] <= 50 and 0 <= nums[2] <= 499):
            raise ParameterError(f"line shape {text!r}: LA(α, β, m) needs α, β within 0.05-50 and m within 0-499")
        return "LF", casa_la(*nums)
    if name == "LF":
        if len(nums) < 2 or len(nums) > 5:
            raise ParameterError(f"line shape {text!r}: LF takes (α, β) or CasaXPS's (α, β, w, m[, n])")
        return name, casa_lf(text, nums)[0]
    keys = {"GL": ("m",), "SGL": ("m",), "LA": ("alpha", "beta"), "DS": ("alpha",), "V": ("gamma_fraction",),
            "PV": ("eta",)}.get(name, ())
    if len(nums) > len(keys):
        raise ParameterError(f"line shape {text!r}: {name} takes {len(keys)} parameter(s) {keys}")
    params = dict(zip(keys, nums))
    if name in ("GL", "SGL") and "m" in params:
        if not 0 <= params["m"] <= 100:
            raise ParameterError(f"line shape {text!r}: the Lorentzian % must be within 0-100")
        params["m"] /= 100.0
    return name, params
