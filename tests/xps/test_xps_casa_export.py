"""Export of a sselab model as CASA region/comp lines, read back by sselab's CasaXPS importer."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.exceptions import ParameterError
from sselab.io import read
from sselab.measurements import XPSRegion
from sselab.xps.casa import _BACKGROUNDS, parse_region, sselab_shape, width_factor
from sselab.xps.casa_export import model_to_casa
from sselab.xps.fit import fit_region
from sselab.xps.model import Component, PeakModel
from pathlib import Path

HV = 1486.61
FEO = Path(__file__).resolve().parents[1] / "data" / "xps" / "FeO_analyzed.vms"


def _model() -> PeakModel:
    return PeakModel("Fe 2p", (
        Component("Fe2+", 709.05, 3.86, "LF", {"alpha": 0.54, "beta": 10.0}, fwhm_bounds_eV=(1.07, 26.75),
                  position_bounds_eV=(704.0, 748.6), area=63507.4),
        Component("sat", 716.0, 8.0, "SGL", {"m": 0.3}, fwhm_bounds_eV=(1.07, 8.0), position_bounds_eV=(714.0, 716.0),
                  area=35837.1),
        Component("Fe3+", 711.2, 2.1, "GL", {"m": 0.3}, position_range_eV=0.7, area=1000.0),
    ), background="tougaard3", window_eV=(699.85, 749.09))


@pytest.mark.parametrize("kinetic", [False, True])
def test_round_trip(kinetic):
    """Written as kinetic energies (CasaXPS's convention) and read back, whatever the block's abscissa."""
    model = _model()
    lines = model_to_casa(model, rsf=16.42, excitation_eV=HV, mass=55.8458)
    assert float(lines[1].split("Position")[1].split()[0]) == pytest.approx(HV - 709.05)
    md = {"comment": lines, "excitation_energy_eV": HV, "abscissa": "Kinetic Energy" if kinetic else "Binding Energy"}
    region = XPSRegion("Fe 2p", np.linspace(700, 749, 50), np.ones(50), metadata=md)
    cr, = parse_region(region)
    assert cr.name == "Fe 2p" and _BACKGROUNDS[cr.background.lower()] == "tougaard3" and cr.rsf == 16.42
    assert cr.limits_eV == pytest.approx((699.85, 749.09))
    for c, back in zip(model.components, cr.components):
        assert back.name == c.name
        shape, params, note = sselab_shape(back.lineshape)
        assert shape == c.shape and note is None
        assert params == pytest.approx({k: v for k, v in c.shape_params.items() if k in params})
        assert back.position_eV == pytest.approx(c.position_eV, abs=1e-9)
        # CasaXPS's GL width is the true FWHM: sselab's GL(30) F = 2.1 eV is written as 2.1/1.0402
        k = width_factor(back)
        assert k == (pytest.approx(1.0402, abs=1e-4) if c.shape == "GL" else 1.0)
        assert back.fwhm_eV * k == pytest.approx(c.fwhm_eV) and back.area == pytest.approx(c.area)
        assert tuple(v * k for v in back.fwhm_bounds_eV) == pytest.approx(c.fwhm_bounds_eV)
        lo, hi = c.position_bounds_eV or (c.position_eV - c.position_range_eV, c.position_eV + c.position_range_eV)
        assert back.position_bounds_eV == pytest.approx((lo, hi), abs=1e-9)
        assert back.rsf == 16.42


def test_casa_file_model_survives_export_and_import():
    """CasaXPS's FeO model read by sselab, refitted, exported and read again: the refit's values come back."""
    acq, = read(FEO, kind="xps")
    region = acq.regions[0]
    cr, = parse_region(region)
    comps = []
    for k, c in enumerate(cr.components):
        shape, params, _ = sselab_shape(c.lineshape)
        comps.append(Component(f"c{k}", c.position_eV, c.fwhm_eV, shape, params, fwhm_bounds_eV=c.fwhm_bounds_eV,
                               position_bounds_eV=c.position_bounds_eV, area=c.area))
    model = PeakModel(cr.name, tuple(comps), background="tougaard3", window_eV=cr.limits_eV)
    fit = fit_region(region, model)
    lines = model_to_casa(model, fit, rsf=cr.rsf, excitation_eV=HV)
    back, = parse_region(XPSRegion("x", region.binding_energy_eV, region.counts,
                                   metadata={**region.metadata, "comment": lines}))
    for fc, b in zip(fit.components, back.components):
        assert b.position_eV == pytest.approx(fc.position_eV, abs=1e-6)
        assert b.fwhm_eV == pytest.approx(fc.fwhm_eV, rel=1e-8) and b.area == pytest.approx(fc.area, rel=1e-8)
    assert [b.lineshape for b in back.components] == ["LF(0.54,10,80,100)", "SGL(30)", "LF(0.54,10,80,100)", "SGL(30)"]


def test_calib_shift_round_trip():
    """A charge shift is written as a Calib line (A − M = shift); the import reads the positions in that frame."""
    model = _model()
    lines = model_to_casa(model, rsf=16.42, excitation_eV=HV, calib_shift_eV=-1.5)
    assert lines[0] == "Calib M = 286.3 A = 284.8 BE ADD"
    region = XPSRegion("Fe 2p", np.linspace(700, 749, 50), np.ones(50),
                       metadata={"comment": lines, "excitation_energy_eV": HV, "abscissa": "Binding Energy"})
    cr, = parse_region(region)
    assert cr.calib_shift_eV == pytest.approx(-1.5)
    assert [c.position_eV for c in cr.components] == pytest.approx([c.position_eV for c in model.components], abs=1e-9)
    with pytest.raises(ParameterError, match="excitation energy"):
        model_to_casa(model)


def test_voigt_refused():
    m = PeakModel("C 1s", (Component("C", 284.8, 1.2, "V", {"gamma_fraction": 0.3}),), window_eV=(280.0, 290.0))
    with pytest.raises(ParameterError, match="no CasaXPS equivalent"):
        model_to_casa(m, excitation_eV=HV)


def test_cli_fit_casa_out(cli, tmp_path):
    out = tmp_path / "model.casa"
    rc, _, err = cli("xps", "fit", FEO, "--region", "Fe 2p", "--components", "709,716,722,730", "--shape", "SGL(30)",
                     "--fwhm", "4", "--fwhm-max", "8", "--casa-out", out, "--json")
    assert rc in (0, 3), err
    lines = out.read_text().splitlines()
    assert lines[0].startswith("CASA region (*Fe 2p*) (*Shirley*)") and len(lines) == 5
    assert all(ln.startswith("CASA comp") and "(*SGL(30)*)" in ln for ln in lines[1:])


def test_lf_with_changed_widths_is_refused_not_exported_as_the_calibrated_string():
    from sselab.exceptions import ParameterError
    from sselab.xps.casa_export import casa_shape_text

    assert casa_shape_text("LF", {"alpha": 0.54, "beta": 10.0, "lor": 0.4765, "gauss": 0.8153, "damp": 38.74}) \
        == "LF(0.54,10,80,100)"
    with pytest.raises(ParameterError, match="gauss=0.5"):
        casa_shape_text("LF", {"alpha": 0.54, "beta": 10.0, "gauss": 0.5})


def test_imported_background_settings_survive_export():
    """The CasaXPS import's refit model (U 3 Tougaard with FeO's stored B, C, D, T0 and end-level width 2)
    exported and read again gives the same region settings and the same refit model."""
    from sselab.xps.casa import _refit_model, parse_acquisition

    acq, = read(FEO, kind="xps")
    r, = parse_acquisition(acq)
    model = _refit_model(r, 1.0, [], [])
    lines = model_to_casa(model, rsf=r.rsf, excitation_eV=HV)
    back, = parse_region(XPSRegion("x", acq.regions[0].binding_energy_eV, acq.regions[0].counts,
                                   metadata={**acq.regions[0].metadata, "comment": lines}))
    assert back.background == "U 3 Tougaard" and back.avg_points == 2
    assert back.cross_section == pytest.approx((335.44588, 551.0, 436.0, 3.0))
    again = _refit_model(back, 1.0, [], [])
    assert again.background_params == pytest.approx(model.background_params)
    assert (again.background_ends, again.background_avg_points) == ("casa", 2)
