"""The single-fit path's caches (fit templates per circuit/fixed/bounds, a template's transform
and log floors, the grid-search designs per frequency grid): a call that hits a cache gives
the same fit as a cold call, and different circuits, bounds, fixed values or grids never
share an entry."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sselab.eis import simulate_spectrum
from sselab.eis import initial_grid, multistart
from sselab.eis.circuit import Circuit
from sselab.eis.fit import fit_circuit
from sselab.fitting.parameters import Parameter, Parameters
from sselab.fitting.transforms import transform_for
from sselab.measurements import Spectrum

CIRCUIT = "R0-p(R1,CPE1)-p(R2,CPE2)"
TRUTH = {"R0": 50.0, "R1": 2e4, "CPE1.Q": 2e-10, "CPE1.n": 0.9, "R2": 1e5, "CPE2.Q": 1e-7, "CPE2.n": 0.8}


def _noisy(values, f, seed):
    s = simulate_spectrum(CIRCUIT, values, f)
    rng = np.random.default_rng(seed)
    z = s.impedance_ohm
    z = z + 0.003 * np.abs(z) * (rng.standard_normal(z.size) + 1j * rng.standard_normal(z.size))
    return Spectrum(frequency_Hz=f, impedance_ohm=z)


def _same(a, b):
    assert a.values == b.values
    assert a.chi2 == b.chi2
    assert [p.stderr for p in a.result.parameters] == [p.stderr for p in b.result.parameters]
    assert a.result.warnings == b.result.warnings
    assert a.initial == b.initial
    assert a.starts_tried == b.starts_tried


def _cold():
    multistart._TEMPLATES.clear()
    initial_grid._DESIGNS.clear()


def test_cache_hit_gives_the_cold_fit():
    f = np.logspace(6, -1, 60)
    s1 = _noisy(TRUTH, f, 1)
    s2 = _noisy({**TRUTH, "R1": 5e3, "CPE2.n": 0.7}, f, 2)
    _cold()
    cold = fit_circuit(s2, CIRCUIT)
    _cold()
    fit_circuit(s1, CIRCUIT)  # fills the template and design caches from another spectrum
    assert len(multistart._TEMPLATES) == 1
    warm = fit_circuit(s2, CIRCUIT)
    _same(warm, cold)
    assert warm["R1"].value == pytest.approx(5e3, rel=0.05)  # and it is the right fit


def test_different_grids_do_not_collide():
    f1 = np.logspace(6, -1, 60)
    f2 = np.logspace(5.5, -1.5, 60)  # same length, other frequencies
    s1, s2 = _noisy(TRUTH, f1, 3), _noisy(TRUTH, f2, 4)
    _cold()
    cold = fit_circuit(s2, CIRCUIT)
    _cold()
    fit_circuit(s1, CIRCUIT)
    warm = fit_circuit(s2, CIRCUIT)
    _same(warm, cold)
    assert len(initial_grid._DESIGNS) == 2


def test_bounds_and_fixed_values_do_not_collide():
    f = np.logspace(6, -1, 60)
    s = _noisy(TRUTH, f, 5)
    _cold()
    free = fit_circuit(s, CIRCUIT)
    bounded = fit_circuit(s, CIRCUIT, bounds={"R1": (0.0, 1e4)})  # R1's truth is 2e4
    fixed = fit_circuit(s, CIRCUIT, fixed={"R0": 40.0})
    again = fit_circuit(s, CIRCUIT)
    assert len(multistart._TEMPLATES) == 3
    assert bounded["R1"].value <= 1e4 and bounded["R1"].max == 1e4
    assert free["R1"].value == pytest.approx(2e4, rel=0.05) and math.isinf(free["R1"].max)
    assert fixed["R0"].value == 40.0 and fixed["R0"].fixed
    assert not again["R0"].fixed
    _same(again, free)
    _cold()
    _same(fit_circuit(s, CIRCUIT, bounds={"R1": (0.0, 1e4)}), bounded)  # the bounded fit, cold
    _cold()
    _same(fit_circuit(s, CIRCUIT, fixed={"R0": 40.0}), fixed)


def test_value_dependent_templates_are_not_shared():
    c = Circuit(CIRCUIT)
    first = np.array([TRUTH[n] for n in c.parameter_names])
    _cold()
    a = multistart._template(c, first, {}, {"R0": (-math.inf, math.inf)})  # R0 unbounded linear: scale = |R0|
    b = multistart._template(c, first * 2, {}, {"R0": (-math.inf, math.inf)})
    assert a is not b and b["R0"].value == 100.0
    assert not multistart._TEMPLATES
    # a non-finite start is rejected as without the cache
    multistart._template(c, first, {}, None)
    with pytest.raises(Exception, match="finite"):
        multistart._template(c, first * np.nan, {}, None)


def test_transform_and_log_floors_are_made_once_per_parameter_set():
    p = Parameters([Parameter("a", 1.0, min=0.0), Parameter("n", 0.5, min=0.0, max=1.0)])
    assert transform_for(p) is transform_for(p)
    cols, floor, mins = p._log_floors()
    assert cols.tolist() == [0] and mins.tolist() == [0.0] and floor[0] == 1e-300
    # clipping: below the bound → the bound, a log column at its minimum nudged off it
    out = p.clipped(np.array([[-1.0, 2.0], [3.0, -0.5]]))
    assert out.tolist() == [[1e-300, 1.0], [3.0, 0.0]]


def test_refine_constants_follow_the_grid():
    c = Circuit(CIRCUIT)
    f1, f2 = np.logspace(6, -1, 60), np.logspace(5, -2, 60)
    d = initial_grid.design(c, f1)
    log_w, capacitor, exponent = initial_grid._refine_constants(d, f1)
    assert np.array_equal(log_w, np.log(2 * np.pi * f1))
    assert capacitor.tolist() == [False, False] and exponent.tolist() == initial_grid.REFINE_EXPONENT.tolist()
    assert initial_grid._refine_constants(d, f1)[0] is log_w  # kept
    assert np.array_equal(initial_grid._refine_constants(d, f2)[0], np.log(2 * np.pi * f2))  # never another grid's
