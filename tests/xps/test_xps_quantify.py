"""RSF table against its published source; charge correction on a charged simulated sample."""

import json

import numpy as np
import pytest

from sselab.measurements import XPSAcquisition, XPSRegion
from sselab.xps.backgrounds import cumulative
from sselab.xps.fit import fit_region
from sselab.xps.lineshapes import peak
from sselab.xps.model import Component, Doublet, PeakModel
from sselab.xps.quantify import (
    SCOFIELD_AL_KA, SCOFIELD_AL_KA_LINES, charge_shift, quantify, shift_acquisition,
)

# Scofield, J. Electron Spectrosc. Relat. Phenom. 8 (1976) 129, Al Ka, relative to C 1s = 1,
# as tabulated in CasaXPS's ALSCOF element library (read from the copy in KherveFitting's
# KherveFitting_library.xlsx, rows "A-ALSCOF", commit c64b50d4).  Typed in here by hand from
# that table, independently of the package's constant.
ALSCOF = {"C 1s": 1.0, "N 1s": 1.8, "O 1s": 2.93, "F 1s": 4.43, "Mg 2p": 0.334, "S 2p": 1.67,
          "Zr 3d": 7.04, "As 3d": 1.821}
ALSCOF_LINES = {"S 2p3/2": 1.11, "S 2p1/2": 0.567, "Zr 3d5/2": 4.17, "Zr 3d3/2": 2.87,
                "As 3d5/2": 1.08, "As 3d3/2": 0.741}


def test_rsf_table_matches_scofield_alscof():
    assert set(SCOFIELD_AL_KA) == set(ALSCOF)
    for level, value in ALSCOF.items():
        # ALSCOF prints S 2p rounded to 1.67; the package keeps the subshell sum 1.677
        assert SCOFIELD_AL_KA[level] == pytest.approx(value, abs=0.0075), level
    assert SCOFIELD_AL_KA_LINES == ALSCOF_LINES
    # a subshell's cross-section is the sum of its two spin-orbit lines
    for level in ("S 2p", "Zr 3d", "As 3d"):
        lines = [v for k, v in ALSCOF_LINES.items() if k.startswith(level)]
        assert sum(lines) == pytest.approx(SCOFIELD_AL_KA[level], abs=1e-9), level
    # and the minor/major ratio is close to the (2j+1) degeneracy ratio used for doublets
    for level, major, minor in (("As 3d", "As 3d5/2", "As 3d3/2"), ("Zr 3d", "Zr 3d5/2", "Zr 3d3/2"),
                                ("S 2p", "S 2p3/2", "S 2p1/2")):
        ratio = ALSCOF_LINES[minor] / ALSCOF_LINES[major]
        assert ratio == pytest.approx(Doublet.for_level(level).area_ratio, rel=0.06), level


def test_rsf_source_in_json_and_stoichiometry():
    # Mg3AsN measured with areas proportional to Scofield RSFs gives 3:1:1
    areas = {k: (n * ALSCOF[k], None) for k, n in (("Mg 2p", 3), ("As 3d", 1), ("N 1s", 1))}
    d = quantify(areas).to_dict()
    assert "Scofield" in d["rsf_source"] and "1976" in d["rsf_source"] and "C 1s = 1" in d["rsf_source"]
    assert d["atomic_percent"]["Mg 2p"] == pytest.approx(60.0, abs=0.01)
    assert d["ratios"]["As 3d/N 1s"] == pytest.approx(1.0, abs=1e-3)
    # a line RSF is found when a single spin-orbit component is quantified
    q = quantify({"As5/2": (1.08, None), "C": (1.0, None)}, element_of={"As5/2": "As 3d5/2", "C": "C 1s"})
    assert q.ratio("As5/2", "C") == pytest.approx(1.0)


TRUE_SHIFT = 1.5     # the sample charges positively: every line appears 1.5 eV too high
C1S_TRUE = 284.8
AS3D_TRUE = (39.7, 41.4, 43.75)
AS3D_AREAS = (20000.0, 8000.0, 12000.0)


def _region(name, lo, hi, lines, rng, doublet=None):
    """Poisson counts of GL(30) lines on a flat level plus a Shirley-type step (BE descending)."""
    e = np.arange(hi, lo - 1e-9, -0.05)
    pk = np.zeros_like(e)
    for pos, area in lines:
        major = area if doublet is None else area / (1 + doublet.area_ratio)
        pk += peak(e, "GL", pos + TRUE_SHIFT, 1.0, major, m=0.3)
        if doublet is not None:
            pk += peak(e, "GL", pos + TRUE_SHIFT + doublet.splitting_eV, 1.0, major * doublet.area_ratio, m=0.3)
    order = np.argsort(e)
    step = np.empty_like(e)
    step[order] = cumulative(e[order], pk[order])
    return XPSRegion(name, e, rng.poisson(150.0 + 0.03 * step + pk).astype(float),
                     metadata={"excitation_energy_eV": 1486.6})


def _charged_acquisition(seed=4):
    rng = np.random.default_rng(seed)
    d = Doublet.for_level("As 3d")
    regions = (
        _region("C 1s", 280.0, 293.0, [(C1S_TRUE, 15000.0)], rng),
        _region("As 3d", 35.0, 50.0, list(zip(AS3D_TRUE, AS3D_AREAS)), rng, doublet=d),
        _region("N 1s", 392.0, 402.0, [(396.4, 9000.0)], rng),
    )
    return XPSAcquisition(source="charged simulation", instrument="test", regions=regions,
                          excitation_energy_eV=1486.6)


def _as3d_model():
    """Start values 0.15 eV off the true (charge-corrected) positions."""
    d = Doublet.for_level("As 3d")
    return PeakModel("As 3d", tuple(Component(f"c{i}", p + 0.15, 1.2, doublet=d)
                                    for i, p in enumerate(AS3D_TRUE)))


def test_charge_shift_from_c1s_moves_every_region():
    acq = _charged_acquisition()
    shift = charge_shift(acq)
    assert shift == pytest.approx(-TRUE_SHIFT, abs=0.01)
    corrected = shift_acquisition(acq, shift)
    for before, after in zip(acq.regions, corrected.regions):
        np.testing.assert_allclose(after.binding_energy_eV - before.binding_energy_eV, shift, atol=1e-12)
        np.testing.assert_array_equal(after.counts, before.counts)
        assert after.metadata["charge_shift_eV"] == shift
    assert any("charge corrected" in n for n in corrected.notes)
    # the corrected acquisition's own C 1s now sits at the reference
    assert charge_shift(corrected) == pytest.approx(0.0, abs=1e-3)
    # fitting with the shift gives the true (uncharged) positions in every region
    fit = fit_region(acq.regions[1], _as3d_model(), charge_shift_eV=shift)
    assert fit.charge_shift_eV == shift and fit.to_dict()["charge_shift_eV"] == shift
    for i, (truth, area) in enumerate(zip(AS3D_TRUE, AS3D_AREAS)):
        c = fit.component(f"c{i}")
        assert abs(c.position_eV - truth) < 4 * c.position_stderr_eV + 0.012, (i, c.position_eV)
        assert fit.group_area(f"c{i}")[0] == pytest.approx(area, rel=0.05)
    n1s = fit_region(corrected.regions[2], PeakModel.from_positions("N 1s", [396.6]))
    assert n1s.components[0].position_eV == pytest.approx(396.4, abs=0.012)
    # without the correction the same fit lands 1.5 eV high
    raw = fit_region(acq.regions[2], PeakModel.from_positions("N 1s", [397.9]))
    assert raw.components[0].position_eV == pytest.approx(396.4 + TRUE_SHIFT, abs=0.012)


def test_cli_charge_reference_json(cli, tmp_path):
    from sselab.xps.simulate import write_vamas

    path = write_vamas(_charged_acquisition(seed=9), tmp_path / "charged.vms")
    # with --charge-ref the start positions are on the corrected (true) energy scale
    rc, out, err = cli("xps", "fit", path, "--region", "As 3d", "--doublets", "--fwhm", "1.1",
                       "--components", ",".join(f"{p + 0.15:g}" for p in AS3D_TRUE),
                       "--charge-ref", "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert d["charge_shift_eV"] == pytest.approx(-TRUE_SHIFT, abs=0.01)
    majors = [c for c in d["components"] if "partner" not in c["name"]]
    for c, truth in zip(majors, AS3D_TRUE):
        assert abs(c["position_eV"] - truth) < 4 * c["position_stderr_eV"] + 0.012
    # quantify states the shift it applied, too
    rc, out, err = cli("xps", "quantify", path, "--charge-ref", "--json")
    assert rc == 0, err
    q = json.loads(out)
    assert q["charge_shift_eV"] == pytest.approx(-TRUE_SHIFT, abs=0.01)
    assert set(q["atomic_percent"]) == {"C 1s", "As 3d", "N 1s"}
