"""A component that vanishes at one sputter step (its area runs onto 0) must not take every
other parameter's standard error with it: the joint profile fit pins it on the bound, names it
(warning), and the rest keep their errors (the virtual study's As 3d, whose oxide and As0
vanish at depth, was 'failed: no finite standard error' for every parameter)."""

from __future__ import annotations

from sselab.simulate.structure import xps_manifest_model
from sselab.study.settings import parse_shape
from sselab.xps.fit import fit_spectra
from sselab.xps.model import Component, Doublet, PeakModel
from sselab.xps.profile import find_region
from sselab.xps.simulate import mg3asn_profile


def test_vanished_component_is_pinned_and_the_rest_keep_errors():
    steps = mg3asn_profile(seed=400)
    comps = [Component(p["name"], p["position_eV"], p.get("fwhm_eV") or 1.2, *parse_shape(p["shape"]),
                       position_range_eV=p["position_range_eV"],
                       doublet=Doublet.for_level("As 3d") if p.get("doublet") else None)
             for p in xps_manifest_model()["As 3d"]]
    fits = fit_spectra([find_region(a, "As 3d") for a in steps], PeakModel("As 3d", tuple(comps), background="shirley"))
    assert all(f.verdict.status != "failed" for f in fits), [f.verdict.summary() for f in fits]
    main = fits[0].component("As3-")
    assert main.position_stderr_eV is not None and 0 < main.position_stderr_eV < 0.05
    collapsed = [r for f in fits for r in f.verdict.reasons if r.code in ("at_lower_bound", "component_vanished")]
    for f in fits:  # every pinned area sits exactly on 0 and says so
        for c in f.components:
            if c.area == 0:
                assert any(c.name.split(" ")[0] in r.message for r in f.verdict.reasons)
    assert collapsed  # this profile does collapse: As3+ and As0 vanish at the deepest step
