"""XPS line shapes, registered declaratively.

Every shape is a dimensionless function ``unit(u, **shape_params)`` of u = (E − E0)/F
(E binding energy, E0 the position, F the width parameter, = FWHM for the symmetric
shapes) with height 1 at u = 0.  :func:`peak` scales it to a given *area*; the area of the
unit shape is integrated numerically once per shape-parameter set (cached), over
|u| ≤ 60, which also makes the area of the asymmetric shapes finite and well defined; the
Gaussian–Lorentzian sums (SGL, PV) use their whole analytic area, (1 − m)·√(π/4ln2) + m·π/2,
which is how CasaXPS scales SGL (its exported SGL(30) curves agree with sselab's to 0.1 %).

Adding a shape is one decorated function::

    @lineshape("GL", params={"m": 0.3}, bounds={"m": (0.0, 1.0)})
    def _gl(u, m): ...

Names follow CasaXPS: ``GL`` (product, REFERENCE §3: GL(m) = exp(−4 ln2 (1−m) u²) /
(1 + 4 m u²), "GL(30)" is m = 0.3), ``SGL`` (sum, (1−m) Gauss + m Lorentz), ``PV``
(pseudo-Voigt, η Lorentzian fraction: numerically the same family as SGL, named as
lmfit names it), ``V`` (Voigt with Lorentzian share ``gamma_fraction`` of the FWHM,
Olivero–Longbothum width relation), ``LA`` (asymmetric Lorentzian: [1/(1+4u²)]^α on the
high-binding-energy side, ^β on the low side, as CasaXPS's LA(α, β) without its extra
Gaussian convolution), ``LF`` (CasaXPS's finite asymmetric Lorentzian, below) and ``DS``
(Doniach–Šunjić, asymmetry α, tail towards higher binding energy).

``LF`` — CasaXPS's LF(α, β, w, m): "the LA line shape with an additional parameter w that
damps the asymmetric tail" so that the area stays finite, convolved with a Gaussian (m)
(HarwellXPS knowledge base, "LA and LF lineshapes", harwellxps.guru/xpskb/la-and-lf-lineshapes;
NeXus NXxps "Asymmetric Finite": "the asymmetric parameters are modified depending on the
distance from the peak such that the overall area remains finite").  CasaXPS publishes no
closed formula, so sselab uses this form, with t = u/ℓ and L = 1/(1 + 4t²)::

    core(u) = L^(α + (β − α) u²/(u² + d²))   for u ≥ 0 (higher binding energy, the tail)
    core(u) = L^β                            for u < 0
    LF(u)   = core ⊗ Gaussian(FWHM g)        (u, ℓ, d, g in units of the width F)

with ℓ = ``lor``, g = ``gauss``, d = ``damp``.  The widths that reproduce CasaXPS were fitted
to CasaXPS's own exported component curves of LF(0.54,10,80,100,6) (FeO_analyzed_lineshapes_cols.txt,
FAIRmat-NFDI/pynxtools-xps tests/data/vms_analysis, two components, F = 3.86 and 4.87 eV):
ℓ = 0.4765, g = 0.8153, d = 38.74 reproduce both curves to an rms of 0.04 % of their height, every point within 0.09 %
(tests/xps/test_xps_lf.py); those are the defaults.

Examples
--------
>>> import numpy as np
>>> round(float(unit_shape("GL", np.array([0.5]), m=0.3)[0]), 6)   # exp(-0.7 ln2)/1.3
0.473517

For 0 < m < 1 the product's true FWHM is slightly less than F (as in CasaXPS, whose
width parameter F is what is reported as ``fwhm_eV``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Mapping

import numpy as np
from scipy.special import voigt_profile

from ..exceptions import ParameterError

LN2 = np.log(2.0)


@dataclass(frozen=True)
class LineShape:
    """A registered shape: name, its extra parameters with defaults and bounds."""

    name: str
    func: Callable[..., np.ndarray]
    params: Mapping[str, float] = field(default_factory=dict)
    bounds: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    doc: str = ""


SHAPES: dict[str, LineShape] = {}


def lineshape(name: str, params: Mapping[str, float] | None = None,
              bounds: Mapping[str, tuple[float, float]] | None = None) -> Callable:
    """Decorator registering ``func(u, **params)`` as line shape ``name``."""

    def wrap(func: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
        SHAPES[name] = LineShape(name, func, dict(params or {}), dict(bounds or {}),
                                 (func.__doc__ or "").strip())
        return func

    return wrap


@lineshape("GL", params={"m": 0.3}, bounds={"m": (0.0, 1.0)})
def _gl(u: np.ndarray, m: float) -> np.ndarray:
    """Gaussian–Lorentzian product (CasaXPS GL(m), m = Lorentzian fraction)."""
    return np.exp(-4 * LN2 * (1 - m) * u**2) / (1 + 4 * m * u**2)


@lineshape("SGL", params={"m": 0.3}, bounds={"m": (0.0, 1.0)})
def _sgl(u: np.ndarray, m: float) -> np.ndarray:
    """Gaussian–Lorentzian sum (CasaXPS SGL(m))."""
    return (1 - m) * np.exp(-4 * LN2 * u**2) + m / (1 + 4 * u**2)


@lineshape("PV", params={"eta": 0.5}, bounds={"eta": (0.0, 1.0)})
def _pv(u: np.ndarray, eta: float) -> np.ndarray:
    """Pseudo-Voigt: Lorentzian fraction eta, common FWHM."""
    return (1 - eta) * np.exp(-4 * LN2 * u**2) + eta / (1 + 4 * u**2)


@lineshape("V", params={"gamma_fraction": 0.3}, bounds={"gamma_fraction": (0.0, 0.99)})
def _voigt(u: np.ndarray, gamma_fraction: float) -> np.ndarray:
    """Voigt with total FWHM 1 and Lorentzian FWHM gamma_fraction."""
    f_l = gamma_fraction
    f_g = np.sqrt(max((1 - 0.5346 * f_l) ** 2 - 0.2166 * f_l**2, 1e-12))
    sigma, gamma = f_g / (2 * np.sqrt(2 * LN2)), f_l / 2
    return voigt_profile(u, sigma, gamma) / voigt_profile(0.0, sigma, gamma)


@lineshape("LA", params={"alpha": 1.1, "beta": 2.5}, bounds={"alpha": (0.55, 10.0), "beta": (0.55, 10.0)})
def _la(u: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """Asymmetric Lorentzian: exponent alpha above E0 (tail side), beta below."""
    base = 1 / (1 + 4 * u**2)
    return np.where(u >= 0, base**alpha, base**beta)


@lineshape("DS", params={"alpha": 0.1}, bounds={"alpha": (0.0, 0.5)})
def _ds(u: np.ndarray, alpha: float) -> np.ndarray:
    """Doniach–Šunjić, half width F/2, tail towards higher binding energy.

    The published form cos(πα/2 + (1−α) arctan x) / (1 + x²)^((1−α)/2) has its slow tail at
    x < 0 (x in kinetic energy: losses lie below the line), so on the binding-energy axis
    x = −(E − E0)/(F/2)."""
    x = -2 * u
    return np.cos(np.pi * alpha / 2 + (1 - alpha) * np.arctan(x)) / (1 + x**2) ** ((1 - alpha) / 2) \
        / np.cos(np.pi * alpha / 2)


_LF_STEP = 0.002


@lru_cache(maxsize=64)
def _lf_profile(alpha: float, beta: float, lor: float, gauss: float, damp: float) -> tuple[np.ndarray, np.ndarray]:
    """(u grid, LF values, maximum 1) on |u| ≤ 60, computed once per parameter set."""
    from scipy.signal import fftconvolve

    u = np.arange(-60.0, 60.0 + _LF_STEP / 2, _LF_STEP)
    t = u / lor
    lor_core = 1.0 / (1.0 + 4.0 * t * t)
    q = u * u
    core = np.where(u >= 0, lor_core ** (alpha + (beta - alpha) * q / (q + damp * damp)), lor_core ** beta)
    half = int(4 * gauss / _LF_STEP) + 1
    k = np.arange(-half, half + 1) * _LF_STEP
    kernel = np.exp(-4 * LN2 * (k / gauss) ** 2)
    y = fftconvolve(core, kernel / kernel.sum(), mode="same")
    return u, y / y.max()


@lineshape("LF", params={"alpha": 0.54, "beta": 10.0, "lor": 0.4765, "gauss": 0.8153, "damp": 38.74},
           bounds={"alpha": (0.05, 50.0), "beta": (0.05, 50.0), "lor": (0.01, 5.0), "gauss": (0.01, 5.0),
                   "damp": (0.1, 1000.0)})
def _lf(u: np.ndarray, alpha: float, beta: float, lor: float, gauss: float, damp: float) -> np.ndarray:
    """CasaXPS LF: asymmetric Lorentzian, tail damped with distance, Gaussian-convolved (maximum 1)."""
    grid, y = _lf_profile(round(alpha, 9), round(beta, 9), round(lor, 9), round(gauss, 9), round(damp, 9))
    return np.interp(u, grid, y, left=0.0, right=0.0)


def get_shape(name: str) -> LineShape:
    """The registered shape ``name`` (case-insensitive) or a ParameterError listing them."""
    for key, shape in SHAPES.items():
        if key.lower() == name.lower():
            return shape
    raise ParameterError(f"unknown line shape {name!r}; known: {', '.join(SHAPES)}")


def shape_params(name: str, given: Mapping[str, float] | None = None) -> dict[str, float]:
    """Complete shape parameters: defaults updated by ``given``, checked against bounds."""
    shape = get_shape(name)
    out = dict(shape.params)
    for key, value in (given or {}).items():
        if key not in out:
            raise ParameterError(f"line shape {shape.name} has no parameter {key!r}; it has {list(out)}")
        lo, hi = shape.bounds.get(key, (-np.inf, np.inf))
        if not lo <= float(value) <= hi:
            raise ParameterError(f"{shape.name} parameter {key}={value} outside [{lo}, {hi}]")
        out[key] = float(value)
    return out


def unit_shape(name: str, u: np.ndarray, **params: float) -> np.ndarray:
    """The unit-height shape at u = (E − E0)/F."""
    shape = get_shape(name)
    return shape.func(np.asarray(u, float), **shape_params(shape.name, params))


@lru_cache(maxsize=256)
def _unit_area(name: str, items: tuple[tuple[str, float], ...]) -> float:
    if name in ("SGL", "PV"):  # sums: the whole (infinite-range) area, as CasaXPS normalises SGL
        m = dict(items)["m" if name == "SGL" else "eta"]
        return float((1 - m) * np.sqrt(np.pi / (4 * LN2)) + m * np.pi / 2)
    u = np.linspace(-60.0, 60.0, 240001)
    return float(np.trapezoid(unit_shape(name, u, **dict(items)), u))


def unit_area(name: str, **params: float) -> float:
    """∫ unit(u) du over |u| ≤ 60 (area of a peak of height 1 and width 1)."""
    full = shape_params(name, params)
    return _unit_area(get_shape(name).name, tuple(sorted((k, round(v, 12)) for k, v in full.items())))


@lru_cache(maxsize=256)
def _resolved(name: str, items: tuple[tuple[str, float], ...]) -> tuple[Callable[..., np.ndarray], dict[str, float], float]:
    """(function, complete parameters, unit area) of a shape, looked up and checked once per
    (name, parameters) instead of on every model evaluation inside a fit."""
    shape = get_shape(name)
    full = shape_params(shape.name, dict(items))
    return shape.func, full, unit_area(name, **dict(items))


def peak(energy: np.ndarray, name: str, center: float, fwhm: float, area: float, **params: float) -> np.ndarray:
    """A peak of the given area at ``center`` with width ``fwhm`` [eV].

    >>> e = np.linspace(-10, 10, 20001)
    >>> round(float(np.trapezoid(peak(e, "GL", 0.0, 1.0, 5.0, m=0.0), e)), 3)
    5.0
    """
    u = (np.asarray(energy, float) - center) / fwhm
    try:
        func, full, a1 = _resolved(name, tuple(params.items()))
    except TypeError:  # unhashable parameter values: the uncached path
        return area * unit_shape(name, u, **params) / (fwhm * unit_area(name, **params))
    return area * func(u, **full) / (fwhm * a1)
