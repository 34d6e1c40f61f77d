"""Reflection lists are cached per (structure, wavelength, 2θ range) and are read-only."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.xrd.instrument import Instrument
from sselab.xrd.library import mg3asn, mgo
from sselab.xrd.model import PowderModel
from sselab.xrd.reflections import ReflectionList


def test_models_of_the_same_phases_share_one_read_only_list():
    x = np.linspace(20, 80, 601)
    a, b = PowderModel([mg3asn(), mgo()], x), PowderModel([mg3asn(), mgo()], x.copy())
    assert a.reflections[0] is b.reflections[0] and a.reflections[1] is b.reflections[1]
    refl = a.reflections[0]
    for arr in (refl.hkl, refl.multiplicity, refl.geometry, refl.scatterer_site, refl.coeffs, refl.z):
        with pytest.raises(ValueError):
            arr[0] = arr[0]
    # the cached list is what from_phase builds
    fresh = ReflectionList.from_phase(mg3asn(), 0.97 * max(a.instrument.wavelengths_A) / (2 * np.sin(np.radians(82 / 2))))
    assert np.array_equal(fresh.hkl, refl.hkl) and np.array_equal(fresh.multiplicity, refl.multiplicity)
    assert np.allclose(fresh.geometry, refl.geometry, rtol=0, atol=1e-12) and fresh.labels == refl.labels
    # cubic Mg3AsN (anti-perovskite, a = 4.2307 Å): first reflection (100), multiplicity 6
    assert refl.hkl[0].tolist() == [1, 0, 0] and refl.multiplicity[0] == 6


def test_another_range_wavelength_or_structure_gets_its_own_list():
    x = np.linspace(20, 80, 601)
    base = PowderModel([mg3asn()], x).reflections[0]
    wider = PowderModel([mg3asn()], np.linspace(20, 120, 1001)).reflections[0]
    mo = PowderModel([mg3asn()], x, Instrument.single(0.7093)).reflections[0]
    bigger = PowderModel([mg3asn(a=4.30)], x).reflections[0]
    assert len({id(base), id(wider), id(mo), id(bigger)}) == 4
    assert len(wider) > len(base) and len(mo) > len(base)  # more reflections reach the detector
    # a larger cell puts more reflections above the same d_min
    assert len(bigger) >= len(base)
    edited = mg3asn()
    edited.structure.scale_lattice(edited.structure.volume * 1.1)  # pymatgen structures are mutable
    assert PowderModel([edited], x).reflections[0] is not base


def test_evaluation_is_unchanged_by_the_cache():
    x = np.linspace(20, 80, 1201)
    m1 = PowderModel([mg3asn()], x)
    v = m1.parameters().value_array.copy()
    v[m1.index("Mg3AsN.scale")] = 1e-3
    y1 = m1.evaluate(v)
    m2 = PowderModel([mg3asn()], x)
    m2.reflections = [ReflectionList.from_phase(mg3asn(), d) for d in
                      [0.97 * max(m2.instrument.wavelengths_A) / (2 * np.sin(np.radians(82 / 2)))]]
    assert m2.reflections[0] is not m1.reflections[0]
    assert np.allclose(m2.evaluate(v), y1, rtol=1e-12, atol=0)
    assert y1.max() > 0
