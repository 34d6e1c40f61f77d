"""XRD: the IUCr CPD Rietveld round-robin PbSO4 X-ray pattern (Hill, J. Appl. Cryst. 25 (1992)
589) refined against GSAS-II's published refinement of the same file.

Data: ``tests/xrd/data/PBSO4.XRA`` + ``INST_XRY.PRM`` (SOURCES.md there: byte-identical to
AdvancedPhotonSource/GSAS-II-tutorials ``CWCombined/data``).  Published refinement: the GSAS-II
tutorial "Combined X-ray/neutron refinement – PbSO4" (AdvancedPhotonSource/GSAS-II-tutorials @
e1e260108e8881663e3c2ebfbba59d712220f6ca, ``CWCombined/Combined refinement.htm``, the listing after
step 9): X-ray histogram wR = 11.00 %, R = 8.21 %; phase cell a = 8.480297(97), b = 5.398574(62),
c = 6.960012(81) Å (no hydrostatic strain on the X-ray histogram: its cell is the phase cell);
atoms (x, y, z, Uiso) Pb 0.18754 ¼ 0.16717 0.02079, S 0.06491 ¼ 0.68347 0.00718, O1 −0.09302 ¼
0.59541 0.02513, O2 0.19366 ¼ 0.54264 0.01767, O3 0.08086 0.02693 0.80927 0.01729 Å²; sample
shift refined, zero fixed at 0; data limits 16–158.4°; Chebyshev background, 3 terms; Cu Kα1/Kα2
1.5405/1.5443 Å ratio 0.5, polarisation 0.7 (all from INST_XRY.PRM).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from pymatgen.core import Lattice, Structure

from sselab.io import read
from sselab.xrd import Phase, Refinement
from sselab.xrd.instrument import Instrument

DATA = Path(__file__).parent / "data" / "PBSO4.XRA"
PUBLISHED_CELL = {"a": (8.480297, 0.000097), "b": (5.398574, 0.000062), "c": (6.960012, 0.000081)}
PUBLISHED_RWP = 11.00
GSAS2_ATOMS = {  # label: (element, x, y, z, Uiso [Å²])
    "Pb1": ("Pb", 0.18754, 0.25, 0.16717, 0.02079), "S1": ("S", 0.06491, 0.25, 0.68347, 0.00718),
    "O1": ("O", -0.09302, 0.25, 0.59541, 0.02513), "O2": ("O", 0.19366, 0.25, 0.54264, 0.01767),
    "O3": ("O", 0.08086, 0.02693, 0.80927, 0.01729),
}


def gsas2_instrument(polarisation: float = 0.7) -> Instrument:
    """INST_XRY.PRM's lines; GSAS-II's polarisation P (pola = P + (1 − P)·cos²2θ, GSASIIpwd.Polarization
    at azimuth 0) is our monochromator form (1 + c·cos²2θ)/(1 + c) with c = cos²2θ_m = (1 − P)/P."""
    two_theta_m = math.degrees(math.acos(math.sqrt((1 - polarisation) / polarisation)))
    return Instrument.cu_ka(wavelengths_A=(1.5405, 1.5443), ratios=(1.0, 0.5), monochromator_2theta_deg=two_theta_m)


def gsas2_phase() -> Phase:
    s = Structure.from_spacegroup("Pnma", Lattice.orthorhombic(8.48, 5.398, 6.958), [v[0] for v in GSAS2_ATOMS.values()],
                                  [v[1:4] for v in GSAS2_ATOMS.values()])
    return Phase("PbSO4", s, "orthorhombic")


def test_polarisation_conversion_reproduces_gsas2_factor():
    inst = gsas2_instrument(0.7)
    c = math.cos(math.radians(inst.monochromator_2theta_deg)) ** 2
    for tth in (20.0, 75.0, 140.0):
        ours = (1 + c * math.cos(math.radians(tth)) ** 2) / (1 + c)
        gsas2 = 0.7 + 0.3 * math.cos(math.radians(tth)) ** 2
        assert ours == pytest.approx(gsas2, rel=1e-12)


def test_pbso4_cell_and_rwp_match_gsas2_with_its_structure():
    """GSAS-II's structure held fixed (its coordinates and B = 8π²Uiso); scale, background (3),
    displacement, cell, U V W and the Lorentzian width refined on 16–158.4°."""
    pat = read(DATA)[0]
    start = {f"PbSO4.B_{k}": 8 * math.pi**2 * v[4] for k, v in GSAS2_ATOMS.items()}
    job = Refinement(pat, [gsas2_phase()], gsas2_instrument(), n_background=3, two_theta_range=(16.0, 158.4), start=start)
    base = ("*.scale", "bkg*")
    cell = ("displacement_deg", "PbSO4.a", "PbSO4.b", "PbSO4.c")
    res = job.run([base, (*base, *cell), (*base, *cell, "U", "V", "W", "Y", "*.strain")])
    ph = res.phase("PbSO4")
    for k, (value, esd) in PUBLISHED_CELL.items():
        assert abs(ph.lattice[k] - value) <= esd, (k, ph.lattice[k], value, esd)
        assert ph.lattice_stderr[k] < 2 * esd
    assert abs(res.Rwp - PUBLISHED_RWP) <= 0.05 * PUBLISHED_RWP, res.Rwp
