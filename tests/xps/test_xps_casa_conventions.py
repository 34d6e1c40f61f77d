"""CasaXPS storage conventions read off public CasaXPS-processed files (benchmarks/casa_manifest.yaml):
kinetic energies whatever the abscissa, Calib shifts, links, GL widths.

The CASA lines below are copied verbatim from cheminfo/xps-analysis@f964184
src/from/__tests__/data/cellulose_fitted_following_briggs.vms (binding-energy abscissa, hν 1486.6)
and cheminfo/vamas@4812c1d src/parser/__tests__/data/assigned.vms (Kratos, hν 1486.69,
``Calib`` lines); the expected numbers are worked out by hand in each test.
"""

from __future__ import annotations

import numpy as np
import pytest

from sselab.measurements import XPSAcquisition, XPSRegion
from sselab.xps.casa import calibration, casa_links, casa_report, gl_width_factor, parse_region
from sselab.xps.lineshapes import peak, unit_shape

CELLULOSE = [
    "Casa Info Follows", "0", "0", "1",
    "CASA region (*C 1s*) (*Shirley*) 1193.3129 1203.2516 0.278 2 0 0 40.442441 -450 0 0 (*C 1s*) 12.011 0 0.278",
    "4",
    "CASA comp (*C 1s 1*) (*LA(1.4,1.7,100)*) Area 4830.0138 1e-020 126904.8 -1 1 MFWHM 1.1057933 0.25 6.25 -1 1 "
    "Position 1199.8264 1199.7 1199.87 -1 1 RSF 0.278 MASS 12.011 INDEX -1 (*C 1s*) CONST (**) UNCORRECTEDRSF 0.278",
    "CASA comp (*C 1s 2*) (*LA(1.4,1.6,100)*) Area 989.18682 0 2000 0 0.2048 MFWHM 1.1121055 0.25 6.25 -1 1 "
    "Position 1198.4049 1198.34 1198.74 -1 -1.33 RSF 0.278 MASS 12.011 INDEX -1 (*C 1s*) CONST (**) UNCORRECTEDRSF 0.278",
]

MO3D = [
    "Casa Info Follows", "0", "2",
    "Calib M = 281.1700 A = 284.8 BE ADD",
    "Calib M = 284.7999 A = 284.8 BE ADD",
    "1",
    "CASA region (*Mo 3d*) (*Shirley*) 1249.3343 1262.7065 10.804667 2 0 0 392.54541 -450 0 0 (*Mo 3d*) 95.9219 0 9.5",
    "2",
    "CASA comp (*Mo 3d MoS2 1T*) (*LA(1.53,243)*) Area 7955.3136 1e-020 2327991 -1 1 MFWHM 0.91171962 0.2533 1.5 -1 1 "
    "Position 1257.89 1257.89 1258.49 -1 1 RSF 10.804667 MASS 95.9219 INDEX -1 (*Mo 3d*) CONST (**) UNCORRECTEDRSF 9.5",
    "CASA comp (*Mo 3d MoS2 1T*) (*LA(1.53,243)*) Area 5303.5425 1e-020 2327991 0 0.66666667 MFWHM 0.91171962 "
    "0.2532592 6.33148 0 1 Position 1254.75 0 0 0 -3.14 RSF 10.804667 MASS 95.9219 INDEX -1 (*Mo 3d*) CONST (**) "
    "UNCORRECTEDRSF 9.5",
]


def _region(lines, be, counts=None, hv=1486.6, **md):
    counts = np.ones_like(be) if counts is None else counts
    return XPSRegion("x", be, counts, metadata={"comment": lines, "excitation_energy_eV": hv,
                                                "abscissa": "Binding energy", **md})


def test_positions_are_kinetic_on_a_binding_energy_block():
    """cellulose: the block's abscissa is binding energy (294.16 eV down), the stored numbers are KE."""
    cr, = parse_region(_region(CELLULOSE, np.linspace(294.16, 282.21, 240)))
    assert cr.limits_eV == pytest.approx((1486.6 - 1203.2516, 1486.6 - 1193.3129))        # 283.35-293.29
    assert [c.position_eV for c in cr.components] == pytest.approx([1486.6 - 1199.8264, 1486.6 - 1198.4049])
    assert cr.components[0].position_bounds_eV == pytest.approx((1486.6 - 1199.87, 1486.6 - 1199.7))
    assert cr.calib_shift_eV == 0 and cr.avg_points == 2
    # 'Area ... 0 0.2048': C 1s 2's area = C 1s 1's × 0.2048; 'Position ... -1 -1.33' is not a link
    assert cr.components[1].links == {"area": (0, 0.2048)}


def test_calib_lines_and_links():
    """Two Calib lines: shift Σ(A − M) = 3.63 + 0.0001 eV; without 'Regions'/'Comps' flags the stored
    KE are already in the calibrated frame, so the reported BE is hν − KE; the partner's position link
    −3.14 (KE) is +3.14 eV in binding energy, its area link 2/3."""
    assert calibration(MO3D) == pytest.approx((3.6301, 3.6301, 3.6301))
    assert calibration(["Calib M = 281.17 A = 284.8 Regions Comps BE ADD"]) == pytest.approx((3.63, 0.0, 0.0))
    cr, = parse_region(_region(MO3D, np.linspace(240, 220, 201), hv=1486.69))
    assert cr.calib_shift_eV == pytest.approx(3.6301)
    assert cr.limits_eV == pytest.approx((1486.69 - 1262.7065, 1486.69 - 1249.3343))
    assert [c.position_eV for c in cr.components] == pytest.approx([1486.69 - 1257.89, 1486.69 - 1254.75])
    links, notes = casa_links(cr, ["a", "b"])
    assert notes == []
    got = {(lk.target, lk.quantity, lk.source): (lk.offset_eV, lk.factor) for lk in links}
    assert got == {("b", "area", "a"): (0.0, pytest.approx(2 / 3)), ("b", "fwhm", "a"): (0.0, 1.0),
                   ("b", "position", "a"): (pytest.approx(3.14), 1.0)}


def test_gl_width_factor_by_hand():
    """CasaXPS's GL(p) width is the true FWHM: sselab's GL with width F·k is at half height at ±F/2."""
    for m, k_hand in ((0.3, 1.0402), (0.4, 1.0448)):
        k = gl_width_factor(m)
        assert k == pytest.approx(k_hand, abs=1e-4)
        assert unit_shape("GL", np.array([0.5 / k]), m=m)[0] == pytest.approx(0.5, abs=1e-9)
    assert gl_width_factor(0.0) == 1.0 and gl_width_factor(1.0) == 1.0


def test_refit_recovers_a_calibrated_linked_gl_doublet():
    """Synthetic S 2p doublet drawn as CasaXPS defines it (GL(30), true FWHM 0.90 eV, 2p1/2 at +1.16 eV
    with half the area) on the raw axis 3.63 eV below the calibrated one; the stored model is 0.1 eV /
    10 % off.  The refit, run through the Calib shift and the links, returns the truth in the calibrated
    frame."""
    hv, shift, pos, fwhm, area = 1486.69, 3.63, 161.76, 0.90, 5000.0
    raw = np.linspace(170.0, 155.0, 301)
    k = gl_width_factor(0.3)
    y = 200.0 + 0.4 * (raw + shift - 155.0) + (peak(raw + shift, "GL", pos, fwhm * k, area, m=0.3)
                                               + peak(raw + shift, "GL", pos + 1.16, fwhm * k, area / 2, m=0.3))
    ke = lambda be: hv - be  # noqa: E731 - stored in the calibrated frame (no Regions/Comps flag)
    lines = [
        "Calib M = 281.17 A = 284.8 BE ADD",
        f"CASA region (*S 2p*) (*Linear*) {ke(166.5):.4f} {ke(158.0):.4f} 0.668 2 0 0 0 -450 0 0 (*S 2p*) 32.06 0 0.668",
        f"CASA comp (*S 2p3*) (*GL(30)*) Area {area * 0.9:.3f} 1e-020 1e6 -1 1 MFWHM {fwhm * 1.1:.4f} 0.2 5 -1 1 "
        f"Position {ke(pos - 0.1):.4f} {ke(pos + 0.5):.4f} {ke(pos - 0.5):.4f} -1 1 RSF 0.668 MASS 32.06 INDEX -1 (*S 2p*)",
        f"CASA comp (*S 2p1*) (*GL(30)*) Area {area * 0.45:.3f} 1e-020 1e6 0 0.5 MFWHM {fwhm * 1.1:.4f} 0.2 5 0 1 "
        f"Position {ke(pos - 0.1 + 1.16):.4f} 0 0 0 -1.16 RSF 0.668 MASS 32.06 INDEX -1 (*S 2p*)",
    ]
    reg = XPSRegion("S 2p", raw, y, metadata={"comment": lines, "excitation_energy_eV": hv, "abscissa": "Binding energy",
                                             "intensity_unit": "c/s"})
    d = casa_report(XPSAcquisition(source="synthetic", regions=(reg,), excitation_energy_eV=hv))
    r, = d["regions"]
    assert r["calib_shift_eV"] == pytest.approx(3.63)
    a, b = r["components"]
    assert a["position_eV"] == pytest.approx(pos, abs=2e-3) and b["position_eV"] == pytest.approx(pos + 1.16, abs=2e-3)
    assert a["fwhm_eV"] == pytest.approx(fwhm, rel=2e-3) and b["fwhm_eV"] == pytest.approx(a["fwhm_eV"])
    assert a["area"] == pytest.approx(area, rel=5e-3) and b["area"] == pytest.approx(a["area"] / 2, rel=1e-9)
    assert a["percent_at"] + b["percent_at"] == pytest.approx(100.0)
    # the stored (0.1 eV / 10 % off) model drawn on the same points, background and weights fits worse
    assert r["fit"]["stored_model_reduced_chi2"] > 100 * max(r["fit"]["reduced_chi2"], 1e-9)


def test_la_export_import_draws_the_same_curve():
    """sselab's LA(α,β) (no Gaussian) is written as CasaXPS LA(α,β,0) with its true FWHM; read back it is
    CasaXPS's LA (sselab LF with the widths of casa_la) and draws the same curve."""
    from sselab.xps.casa import sselab_shape, width_factor
    from sselab.xps.casa_export import model_to_casa
    from sselab.xps.model import Component, PeakModel

    m = PeakModel("C 1s", (Component("C", 285.0, 1.0, "LA", {"alpha": 1.2, "beta": 2.0}, fwhm_bounds_eV=(0.3, 3.0),
                                     area=100.0),), window_eV=(280.0, 292.0))
    lines = model_to_casa(m, excitation_eV=1486.6)
    assert "(*LA(1.2,2,0)*)" in lines[1]
    cr, = parse_region(_region(lines, np.linspace(292, 280, 121)))
    back = cr.components[0]
    shape, params, _ = sselab_shape(back.lineshape)
    e = np.linspace(280, 292, 2401)
    ours = peak(e, "LA", 285.0, 1.0, 100.0, alpha=1.2, beta=2.0)
    theirs = peak(e, shape, back.position_eV, back.fwhm_eV * width_factor(back), back.area, **params)
    assert np.abs(theirs - ours).max() < 0.01 * ours.max()


def test_casa_la_string_round_trip():
    """A component given in CasaXPS's LA(α,β,m) syntax is exported with that string and read back the same."""
    from sselab.xps.casa import sselab_shape
    from sselab.xps.casa_export import model_to_casa
    from sselab.xps.model import Component, PeakModel

    m = PeakModel("Mo 3d", (Component("Mo", 229.5, 0.9, "LA(1.53,1.53,243)", fwhm_bounds_eV=(0.2, 2.0), area=50.0),),
                  window_eV=(224.0, 238.0))
    lines = model_to_casa(m, excitation_eV=1486.69)
    assert "(*LA(1.53,1.53,243)*)" in lines[1] and " MFWHM 0.9 " in lines[1]
    cr, = parse_region(_region(lines, np.linspace(238, 224, 141), hv=1486.69))
    assert sselab_shape(cr.components[0].lineshape)[1] == pytest.approx(dict(m.components[0].shape_params))


def test_background_end_levels_as_casaxps_ties_them_on_feo():
    """CasaXPS ties a region's background to the mean of the points centred on each limit (its help:
    2·Av Width + 1 points).  On FeO_analyzed.vms (stored width 2, U 3 Tougaard) CasaXPS's own exported
    background at the anchored end (KE 786.76 eV) is 2947.003 CPS, the mean of the 3 counts centred on
    that point; the 2 points inside the window (sselab's former reading) give 2952.19."""
    from pathlib import Path

    from sselab.xps.backgrounds import casa_end_levels, end_levels

    data = Path(__file__).resolve().parents[1] / "data" / "xps" / "FeO_analyzed_lineshapes_cols.txt"
    rows = [ln.split("\t") for ln in data.read_text(encoding="latin-1").splitlines()[8:]]
    a = np.array([[float(x) for x in r[:8]] for r in rows if len(r) > 8 and r[0].strip()])
    hv = 1486.61
    be, counts, casa_bg = hv - a[:, 0], a[:, 1], a[:, 6]
    limits = (hv - 786.7632, hv - 737.52081)
    lo, _ = casa_end_levels(be, counts, limits, 2)
    anchored = casa_bg[np.argmin(np.abs(a[:, 0] - 786.7632))]
    assert anchored == pytest.approx(2947.003, abs=1e-3)
    assert lo == pytest.approx(anchored, abs=1e-3)
    inside = (be >= limits[0] - 1e-6) & (be <= limits[1] + 1e-6)
    assert abs(end_levels(be[inside], counts[inside], 2)[0] - anchored) > 5.0


def test_casa_import_ties_the_background_like_casaxps():
    """The refit model of a CasaXPS region uses CasaXPS's end levels (backgrounds outside-inclusive),
    and a YAML model keeps the setting."""
    from pathlib import Path

    from sselab.io import read
    from sselab.xps.casa import _refit_model, parse_acquisition
    from sselab.xps.model import PeakModel

    acq, = read(Path(__file__).resolve().parents[1] / "data" / "xps" / "FeO_analyzed.vms", kind="xps")
    r, = parse_acquisition(acq)
    model = _refit_model(r, 1.0, [], [])
    assert (model.background_ends, model.background_avg_points) == ("casa", 2)
    back = PeakModel.from_dict(model.to_dict())
    assert back.background_ends == "casa"
    with pytest.raises(Exception):
        PeakModel.from_dict({**model.to_dict(), "background_ends": "middle"})


def test_u3_tougaard_with_the_stored_cross_section_reproduces_casaxps_background():
    """FeO_analyzed.vms stores 'U 3 Tougaard ... 335.44588 551 436 3': B, C, D and the loss threshold
    T0 = 3 eV (K = 0 below T0).  With them, and CasaXPS's end levels, sselab's background equals
    CasaXPS's exported one to rms < 2 CPS over a ~9,500 CPS rise; without T0 (best B) the rms is ~38."""
    from pathlib import Path

    from sselab.io import read
    from sselab.xps.backgrounds import casa_end_levels, tougaard3
    from sselab.xps.casa import _refit_model, parse_acquisition

    here = Path(__file__).resolve().parents[1] / "data" / "xps"
    acq, = read(here / "FeO_analyzed.vms", kind="xps")
    r, = parse_acquisition(acq)
    assert r.cross_section == (335.44588, 551.0, 436.0, 3.0)
    params = _refit_model(r, 1.0, [], []).background_params
    assert params == {"B": 335.44588, "C": 551.0, "D": 436.0, "T0": 3.0}
    rows = [ln.split("\t") for ln in (here / "FeO_analyzed_lineshapes_cols.txt").read_text(
        encoding="latin-1").splitlines()[8:]]
    a = np.array([[float(x) for x in row[:8]] for row in rows if len(row) > 8 and row[0].strip()])
    hv = 1486.61
    be, counts, casa_bg = hv - a[:, 0], a[:, 1], a[:, 6]
    limits = (hv - 786.7632, hv - 737.52081)
    m = (be >= limits[0] - 1e-6) & (be <= limits[1] + 1e-6)
    ends = casa_end_levels(be, counts, limits, 2)
    d = tougaard3(be[m], counts[m], ends=ends, **params) - casa_bg[m]
    assert np.sqrt(np.mean(d**2)) < 2.0 and np.abs(d).max() < 3.5
    d0 = tougaard3(be[m], counts[m], ends=ends, B=335.44588) - casa_bg[m]
    assert np.sqrt(np.mean(d0**2)) > 30.0


def test_u2_tougaard_region_uses_the_stored_cross_section():
    """A 'U 2 Tougaard' region (cheminfo's S 2p line: B = 2684.41, C = −450, D = 0, T0 = 0) is refitted
    with K(T) = B T / ((C − T²)² + D T²), which for D = 0, C = −450 is the 2-parameter form
    B T / (450 + T²)²: sselab's tougaard with C = 450 gives the same curve."""
    from sselab.xps.backgrounds import tougaard, tougaard3
    from sselab.xps.casa import _refit_model

    line = ("CASA region (*S 2p*) (*U 2 Tougaard*) 1320.746 1327.3909 0.66800007 2 0 0 2684.4128 -450 0 0 "
            "(*S 2p*) 32.0648 0 0.668")
    comp = ("CASA comp (*S 2p*) (*GL(30)*) Area 500 1e-020 9000 -1 1 MFWHM 0.8 0.3 2 -1 1 Position 1324.0 "
            "1321 1327 -1 1 RSF 0.668 MASS 32.06 INDEX -1 (*S 2p*) CONST (**) UNCORRECTEDRSF 0.668")
    e = np.linspace(158.0, 167.0, 181)
    reg = XPSRegion("S 2p", e, np.full(e.size, 100.0),
                    metadata={"comment": ["Casa Info Follows", line, comp], "excitation_energy_eV": 1486.6})
    r, = parse_region(reg)
    model = _refit_model(r, 1.0, [], [])
    assert model.background == "tougaard3"
    assert model.background_params == {"B": 2684.4128, "C": -450.0, "D": 0.0, "T0": 0.0}
    y = 100 + peak(e, "GL", 162.0, 0.8, 400.0, m=0.3)
    np.testing.assert_allclose(tougaard3(e, y, B=2684.4128, C=-450.0, D=0.0, n_avg=1),
                               tougaard(e, y, B=2684.4128, C=450.0, n_avg=1), rtol=1e-12)


def test_processing_history_is_reported_not_silently_dropped():
    """A block CasaXPS smoothed before fitting (feranick/xps casaxps.vms: 'Sm SG D(1) P(5)') is refitted on
    its raw counts, and the result says so; Calib lines are not processing of the counts."""
    line = "CASA region (*Pd 3d*) (*Shirley*) 1141.6219 1154.7469 1 1 0 0 299 542 275 9.3 (*NoTag*) 0"
    comp = ("CASA comp (*Pd*) (*GL(30)*) Area 2000 0.001 10000000 -1 1 MFWHM 1.9 0.4 10 -1 1 Position 1151.66 "
            "1136.7 1156.7 -1 1 RSF 1 MASS 0 INDEX -1 (*NoTag*)")
    e = np.linspace(330.0, 346.0, 321)
    y = 500 + peak(e, "GL", 335.0, 1.9 * gl_width_factor(0.3), 2000.0, m=0.3)
    smoothed = XPSRegion("Pd", e, y, metadata={"excitation_energy_eV": 1486.6, "comment": [
        "Casa Info Follows", "1", "Sm SG D(1) P(5)", "0", "1", line, "1", comp]})
    calibrated = XPSRegion("Pd", e, y, metadata={"excitation_energy_eV": 1486.6, "comment": [
        "Casa Info Follows", "1", "Calib M = 334.8 A = 335.0 BE ADD", "0", "1", line, "1", comp]})
    assert parse_region(smoothed)[0].processing == ("Sm SG D(1) P(5)",)
    assert parse_region(calibrated)[0].processing == ()
    d = casa_report(XPSAcquisition(source="x.vms", regions=(smoothed,), excitation_energy_eV=1486.6))
    assert "casa_processing_ignored" in {r["code"] for r in d["reasons"]} and d["status"] != "ok"


def test_feo_refit_returns_casaxps_stored_model_with_unweighted_residuals():
    """CasaXPS's stored FeO model (2 LF + 2 SGL, one SGL width at its 8 eV bound) is what sselab's refit
    returns when it minimises unweighted residuals with CasaXPS's background: every component within
    0.05 eV, 3 % FWHM, 1 at.% (issue #17's targets).  With Poisson weights the satellites come out
    3.5-5.8 % narrower, so the weighting is what the agreement rests on."""
    from pathlib import Path

    from sselab.io import read

    acq, = read(Path(__file__).resolve().parents[1] / "data" / "xps" / "FeO_analyzed.vms", kind="xps")
    d = casa_report(acq, refit=True)
    comps = d["regions"][0]["components"]
    assert d["regions"][0]["fit"]["weights"] == "uniform"
    for c in comps:
        st = c["stored"]
        assert abs(c["position_eV"] - st["position_eV"]) <= 0.05
        assert abs(c["fwhm_eV"] / st["fwhm_eV"] - 1) <= 0.03
        assert abs(c["percent_at"] - st["percent_at"]) <= 1.0
    assert abs(comps[1]["fwhm_eV"] - 8.0) < 0.05          # the satellite's width at CasaXPS's bound
