"""sselab's line shapes and backgrounds against values computed independently from the published
formulas (issue #17): Doniach–Šunjić (Doniach & Šunjić, J. Phys. C 3 (1970) 285), Voigt as the
convolution of its Lorentzian and Gaussian (computed here by direct numerical convolution, not
scipy's Faddeeva function), and the universal 2-parameter Tougaard background (Tougaard, Surf.
Interface Anal. 25 (1997) 137) by adaptive quadrature of its defining integral."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.signal import fftconvolve

from sselab.xps.backgrounds import tougaard
from sselab.xps.lineshapes import peak, unit_shape


@pytest.mark.parametrize("alpha", [0.05, 0.2, 0.35])
def test_doniach_sunjic_against_the_published_formula(alpha):
    """DS(E) ∝ Γ(1−α) cos(πα/2 + (1−α) arctan(ε/γ)) / (ε² + γ²)^((1−α)/2), ε the kinetic-energy
    distance from the line (losses at ε < 0, i.e. at higher binding energy), γ = F/2."""
    fwhm, e0 = 1.0, 100.0
    gamma = fwhm / 2
    be = np.array([97.0, 98.5, 99.6, 100.0, 100.3, 101.0, 102.5, 106.0])

    def published(e_b: float) -> float:
        eps = e0 - e_b                      # kinetic-energy offset
        return math.gamma(1 - alpha) * math.cos(math.pi * alpha / 2 + (1 - alpha) * math.atan(eps / gamma)) \
            / (eps**2 + gamma**2) ** ((1 - alpha) / 2)

    ref = np.array([published(x) for x in be]) / published(e0)
    ours = unit_shape("DS", (be - e0) / fwhm, alpha=alpha)
    np.testing.assert_allclose(ours, ref, rtol=1e-12)
    # the asymmetric tail lies at higher binding energy
    assert unit_shape("DS", np.array([4.0]), alpha=alpha)[0] > 1.5 * unit_shape("DS", np.array([-4.0]), alpha=alpha)[0]


@pytest.mark.parametrize("frac", [0.2, 0.5, 0.8])
def test_voigt_is_the_convolution_of_its_lorentzian_and_gaussian(frac):
    """V with FWHM F and Lorentzian share f: a Lorentzian of FWHM f·F convolved with a Gaussian whose
    FWHM follows Olivero & Longbothum (JQSRT 17 (1977) 233), so that the total FWHM is F (to 0.02 %)."""
    fwhm = 1.0
    f_l = frac * fwhm
    f_g = fwhm * math.sqrt((1 - 0.5346 * frac) ** 2 - 0.2166 * frac**2)
    h = 0.001
    x = np.arange(-40.0, 40.0 + h / 2, h)
    lor = (f_l / 2 / math.pi) / (x**2 + (f_l / 2) ** 2)
    s = f_g / (2 * math.sqrt(2 * math.log(2)))
    gau = np.exp(-x**2 / (2 * s * s)) / (s * math.sqrt(2 * math.pi))
    conv = fftconvolve(lor, gau, mode="same") * h
    core = np.abs(x) <= 3
    ref = conv[core] / conv[np.argmin(np.abs(x))]
    ours = unit_shape("V", x[core] / fwhm, gamma_fraction=frac)
    np.testing.assert_allclose(ours, ref, atol=2e-4)
    above = x[core][ours >= 0.5]
    assert above.max() - above.min() == pytest.approx(fwhm, abs=2 * h + 2e-4 * fwhm)


def test_two_parameter_tougaard_against_quadrature():
    """B(E) = I_low + B ∫_{E_low}^{E} K(E − E') (I(E') − I_low) dE', K(T) = B T/(C + T²)², on a Gaussian
    peak over a flat level, with the universal B = 2866 eV², C = 1643 eV²."""
    bval, cval, flat = 2866.0, 1643.0, 40.0
    e = np.linspace(280.0, 320.0, 801)                 # 0.05 eV steps, binding energy
    signal = lambda x: 1000.0 * math.exp(-((x - 290.0) / 1.0) ** 2)
    y = flat + np.array([signal(x) for x in e])
    ours = tougaard(e, y, B=bval, C=cval, n_avg=1)
    for target in (289.0, 290.0, 292.0, 300.0, 319.0):
        val, _ = quad(lambda x: bval * (target - x) / (cval + (target - x) ** 2) ** 2 * signal(x), 280.0, target,
                      points=[290.0], limit=200)
        i = int(np.argmin(np.abs(e - target)))
        assert ours[i] == pytest.approx(flat + val, rel=2e-4, abs=1e-3)


def test_ds_peak_area_and_position():
    e = np.linspace(80.0, 140.0, 60001)
    y = peak(e, "DS", 100.0, 1.0, 50.0, alpha=0.1)
    assert e[np.argmax(y)] == pytest.approx(100.0 - 0.0, abs=0.06)
    assert y[e > 101.0].sum() > y[e < 99.0].sum()
