"""XRD: refinement of a real standard against its published lattice parameter, site
occupancy refinement on simulated data, and the library's literature constants."""

from __future__ import annotations

import numpy as np
import pytest
from pymatgen.core import Lattice, Structure

from sselab.io import read
from sselab.xrd import Phase, Refinement, get_phase, refine, simulate_pattern
from sselab.xrd.instrument import CU_KA1, CU_KA2, Instrument
from sselab.xrd.library import lab6
from sselab.xrd.rietveld import DEFAULT_STAGES


CERT_660A_A, CERT_660A_U = 4.1569162, 0.0000097  # NIST SRM 660a certificate, 22.5 °C [Å]
#: Cu Kα1 of International Tables C (2006) Table 4.2.2.6, the scale of NIST's certificates [Å]
CU_KA1_ITC = 1.54059292


def _lab6_refinement(pattern, *, zero: bool, axial: bool):
    inst = Instrument.cu_ka(wavelengths_A=(CU_KA1_ITC, CU_KA1_ITC * CU_KA2 / CU_KA1))
    job = Refinement(pattern, [lab6()], inst, n_background=8, two_theta_range=(18, 148))
    base = ("*.scale", "bkg*")
    shift = ("zero_deg", "displacement_deg") if zero else ("displacement_deg",)
    return job.run((
        base,
        (*base, shift[0], "W"),
        (*base, shift[0], "LaB6.a", "U", "V", "W", "Y"),
        (*base, *shift, "LaB6.a", "U", "V", "W", "X", "Y", "*.B_*", "asym_P1", "asym_P2", *(("axial_deg",) if axial else ())),
    ))


def test_lab6_lattice_parameter_matches_srm660a_certificate(shared_data):
    """LaB6_d500_si_psd.xye (Siemens D500, Si strip detector, Cu Kα; shared SOURCES.md:
    dkriegner/xrayutilities examples/data; its fundamental-parameters example fixes a = 4.15692 Å,
    i.e. the file is taken as SRM 660a, certificate a = 0.41569162(97) nm at 22.5 °C).

    Measured cause of the +58 ppm bias of the earlier refinement (benchmarks/bench_xrd_published.py
    has every hypothesis): refining the zero shift together with the displacement, the two almost
    cancel at low angle (zero +0.029°, displacement −0.021°) and carry a off by +0.00024 Å.  With the
    zero held at the calibrated 0 (GSAS-II's advice for a cared-for goniometer), the sample
    displacement, the Bérar–Baldinozzi asymmetry and the axial-divergence centroid shift (cot2θ)
    refined, a is 4.15693(2) Å: within the certificate's uncertainty plus our esd, at a lower
    Rwp than with the zero free."""
    pat = read(shared_data / "xrd" / "LaB6_d500_si_psd.xye.bz2")[0]
    res = _lab6_refinement(pat, zero=False, axial=True)
    ph = res.phase("LaB6")
    a, sa = ph.lattice["a"], ph.lattice_stderr["a"]
    assert abs(a - CERT_660A_A) <= CERT_660A_U + sa, (a, sa)
    assert sa < 3e-5
    assert res.fit["axial_deg"].value > 3 * res.fit["axial_deg"].stderr  # the physical sign: low-angle peaks move down
    free_zero = _lab6_refinement(pat, zero=True, axial=False)
    fa = free_zero.phase("LaB6").lattice["a"]
    assert (fa - CERT_660A_A) / CERT_660A_A > 40e-6  # the zero/displacement correlation, measured
    assert res.Rwp < free_zero.Rwp < 8.0


def _mg3asn_with_n_occupancy(occ: float) -> Phase:
    s = Structure.from_spacegroup("Pm-3m", Lattice.cubic(4.2307), [{"N": occ}, "As", "Mg"],
                                  [[0, 0, 0], [0.5, 0.5, 0.5], [0, 0, 0.5]])
    return Phase("Mg3AsN", s, "cubic")


OCC_STAGES = [*DEFAULT_STAGES[:2], ("*.scale", "bkg*", "zero_deg", "*.a", "*.D_nm", "*.occ_N1")]


@pytest.fixture(scope="module")
def n_deficient_pattern():
    """Mg3AsN with the N site 80 % occupied (N-deficient antiperovskite), D = 40 nm."""
    return simulate_pattern([_mg3asn_with_n_occupancy(0.8)], np.arange(15, 110, 0.02), D_nm={"Mg3AsN": 40.0},
                            peak_counts=1e5, seed=21)


def test_nitrogen_occupancy_is_recovered(n_deficient_pattern):
    res = refine(n_deficient_pattern, [get_phase("Mg3AsN")], stages=OCC_STAGES)
    occ = res.fit["Mg3AsN.occ_N1"]
    assert abs(occ.value - 0.8) < 3 * occ.stderr
    assert occ.stderr < 0.01
    assert res.phase("Mg3AsN").occupancy["N1"] == pytest.approx(occ.value)
    assert not any("exceeds 1" in w for w in res.warnings)


def test_occupancy_above_one_is_warned(n_deficient_pattern):
    """Refining from a model with N at 64 %: the factor must become 0.8/0.64 = 1.25 > 1."""
    res = refine(n_deficient_pattern, [_mg3asn_with_n_occupancy(0.64)], stages=OCC_STAGES)
    occ = res.fit["Mg3AsN.occ_N1"]
    assert abs(occ.value - 1.25) < 3 * occ.stderr
    assert any("occ_N1" in w and "exceeds 1" in w for w in res.warnings)


def test_library_constants_match_their_sources():
    """Grey As at 299 K: a = 3.7598, c = 10.5475 Å, z = 0.22707 (Schiferl & Barrett,
    J. Appl. Cryst. 2 (1969) 30, abstract).  LaB6 SRM 660c certificate: a = 0.4156826 nm."""
    As = get_phase("As")
    assert As.lattice_parameters["a"] == pytest.approx(3.7598, abs=1e-4)
    assert As.lattice_parameters["c"] == pytest.approx(10.5475, abs=1e-4)
    on_axis = [f[2] % 1 for f in As.structure.frac_coords if abs(f[0]) < 1e-6 and abs(f[1]) < 1e-6]
    assert any(abs(z - 0.22707) < 1e-5 for z in on_axis)
    assert get_phase("LaB6").lattice_parameters["a"] == pytest.approx(4.156826, abs=1e-6)
