"""Trap suite (EIS, fitting, transport, DC, cycling, study): realistic misuse and pathological
data, each with the status and reason code it must get, or the refusal it must meet.

A case returns the result (anything with a ``verdict`` or a ``status``/``reasons`` dict); the
table gives the expected status and a reason code that must be among its reasons.  Refusals
are ``("refused", text)``: the case must raise an ``SselabError`` whose message holds ``text``
(or, for CLI cases, exit 2).  XRD and XPS traps live beside these (other files of this folder).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sselab.exceptions import SselabError
from sselab.verdict import Verdict, verdict_of

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _need(rel: str) -> Path:
    p = DATA / rel
    if not p.exists():
        pytest.skip(f"{p} is absent")
    return p


def _spec(rel: str, index: int = 0):
    from sselab.io import read

    return read(_need(rel), "spectrum")[index]


def _fit(rel: str, circuit: str):
    from sselab.eis import fit_circuit

    return fit_circuit(_spec(rel), circuit)


def _fr(values, stderrs, mins=None, success=True, residuals=None, cov=None):
    from sselab.fitting.result import FitResult, ParameterEstimate

    mins = mins or [0.0] * len(values)
    ps = tuple(ParameterEstimate(f"p{i}", v, s, "Ohm", False, m, np.inf)
               for i, (v, s, m) in enumerate(zip(values, stderrs, mins)))
    if cov is None:
        cov = np.diag([(s if s is not None else np.nan) ** 2 for s in stderrs])
    r = np.random.default_rng(0).standard_normal(40) * 1e-3 if residuals is None else residuals
    return FitResult(ps, cov, float(r @ r), r.size, r, success, "converged" if success else "maximum iterations")


def _gv(result, **kw):
    from sselab.fitting.verdicts import fit_verdict

    return fit_verdict(result, **kw)


def _sim(circuit, truth, noise=0.003, seed=1, f=None):
    from sselab.eis import simulate_spectrum

    return simulate_spectrum(circuit, truth, np.logspace(6, -1, 60) if f is None else f, noise=noise, seed=seed)


GOOD_TWO_ARC = {"R0": 100, "R1": 1e4, "CPE1.Q": 1e-9, "CPE1.n": 0.9, "R2": 3e4, "CPE2.Q": 1e-7, "CPE2.n": 0.8}
TWO_ARC = {"R0": 10, "R1": 1e4, "CPE1.Q": 1e-10, "CPE1.n": 0.9, "R2": 3e4, "CPE2.Q": 1e-8, "CPE2.n": 0.8}


def _drift_spectrum():
    from sselab.eis import Circuit
    from sselab.measurements import Spectrum

    f = np.logspace(6, -1, 60)
    c = Circuit("R0-p(R1,CPE1)-p(R2,CPE2)")
    drift = np.linspace(1.0, 1.3, f.size)
    z = np.array([c.impedance(f[k:k + 1], {**TWO_ARC, "R2": TWO_ARC["R2"] * drift[k]})[0] for k in range(f.size)])
    e = np.random.default_rng(0).standard_normal((2, f.size))
    return Spectrum(frequency_Hz=f, impedance_ohm=z + 0.001 * np.abs(z) * (e[0] + 1j * e[1]), source="drift")


def _kk(spectrum, **kw):
    from sselab.eis.kramers_kronig import kramers_kronig

    return kramers_kronig(spectrum, **kw)


def _geometry():
    from sselab.transport.geometry import SampleGeometry

    return SampleGeometry.from_text("0.65 mm", diameter="13 mm")


def _arrhenius(T, s, e=None):
    from sselab.transport.arrhenius import arrhenius

    return arrhenius(T, s, e)


def _pooled(pool: bool):
    from sselab.transport.arrhenius import arrhenius_by_sample
    from sselab.transport.table import ConductivityTable

    T = (313.15, 333.15, 353.15) * 2
    s = (1e-5, 3e-5, 8e-5, 1e-4, 2.2e-4, 4.5e-4)
    tab = ConductivityTable(T, s, tuple(0.01 * x for x in s), (), ("A",) * 3 + ("B",) * 3)
    fits = arrhenius_by_sample(tab, pool=pool)
    return next(iter(fits.values())) if pool else fits


def _deconvolution_with_a_failed_row():
    from sselab.transport.deconvolution import EBEReference, arrhenius_of_rows, deconvolve
    from sselab.verdict import Verdict

    g = _geometry()
    ref = EBEReference(10.0, 0.1)
    bad = Verdict.ok().add("diverged", "R_ap ran away", "failed")
    rows = [deconvolve(R, 1.0, g, ref, temperature_K=T, inputs=bad if T == 353.15 else None)
            for R, T in ((500.0, 313.15), (250.0, 333.15), (140.0, 353.15), (80.0, 373.15))]
    _, reasons = arrhenius_of_rows(rows)
    return {"status": Verdict.of(reasons).status, "reasons": [r.to_dict() for r in reasons]}


def _consistency(t_dc):
    from sselab.transport.consistency import check_transport

    return check_transport(t_ion_dc=t_dc, t_ion_dc_stderr=0.01, sigma_ion_S_per_cm=5e-4,
                           sigma_ion_stderr_S_per_cm=1e-5, sigma_el_S_per_cm=5e-8, sigma_el_stderr_S_per_cm=1e-9)


def _rising_current():
    from sselab.dc.transference import transference
    from sselab.measurements import CurrentTransient

    t = np.linspace(0, 3600, 400)
    return transference(CurrentTransient(time_s=t, current_A=1e-6 * (1 + t / 3600), potential_V=np.full(t.size, 0.5),
                                         source="rising"))


def _dc(rel):
    from sselab.dc.transference import transference
    from sselab.io import read

    return transference(read(_need(rel), "transient")[0])


def _cv(rel, kind=None):
    from sselab.cycling.voltammetry import voltammetry
    from sselab.io import read

    return voltammetry(read(_need(rel), "voltammogram")[0], kind=kind)


def _cv_simulated():
    from sselab.cycling.simulate import simulate_voltammogram
    from sselab.cycling.voltammetry import voltammetry

    return voltammetry(simulate_voltammogram(n_cycles=1))


def _ageing_with_a_bad_spectrum():
    from sselab.cycling.ageing import interface_ageing
    from sselab.measurements import Spectrum

    circuit = "R0-p(R1,CPE1)-p(R2,CPE2)"
    spectra = [_sim(circuit, {**TWO_ARC, "R2": 3e4 + 500 * k}, seed=k) for k in range(5)]
    rng = np.random.default_rng(1)
    f = spectra[0].frequency_Hz
    spectra[2] = Spectrum(frequency_Hz=f, impedance_ohm=1e4 * (rng.random(f.size) - 1j * rng.random(f.size)),
                          source="garbage")
    return interface_ageing(spectra, circuit, time_h=[0, 24, 48, 72, 96])


def _ageing_geis():
    from sselab.cycling.ageing import interface_ageing
    from sselab.io import read

    return interface_ageing(read(_need("biologic/geis.mpr"), "spectrum"), "R0-p(R1,CPE1)-p(R2,CPE2)")


def _batch_failure():
    from sselab.eis.batch import fit_circuit_batch
    from sselab.measurements import Spectrum

    good = _sim("R0-p(R1,CPE1)", {"R0": 10, "R1": 1e4, "CPE1.Q": 1e-9, "CPE1.n": 0.9})
    z = good.impedance_ohm.copy()
    z[3] = 0
    return fit_circuit_batch([good, Spectrum(frequency_Hz=good.frequency_Hz, impedance_ohm=z, source="zero")],
                             "R0-p(R1,CPE1)")[1]


def _conductivity_no_stderr():
    from sselab.transport.conductivity import conductivity

    return conductivity(88.4, _geometry())


def _sigma_from_collapsed_bulk():
    from sselab.transport.conductivity import conductivity_from_fit

    fit = _fit("biologic/peis.mpr", "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3")
    collapsed = next(p.name for p in fit.result.parameters if p.name.startswith("R") and p.value < 1e-100)
    return conductivity_from_fit(fit, _geometry(), collapsed)


def _stack_sigma():
    from sselab.eis import fit_circuit
    from sselab.simulate.paper import EBE_STACK_CIRCUIT, ebe_stack_spectrum
    from sselab.transport.conductivity import conductivity_from_fit

    return conductivity_from_fit(fit_circuit(ebe_stack_spectrum(313.15), EBE_STACK_CIRCUIT), _geometry())


def _drt(rel):
    from sselab.eis.drt.solver import drt

    return drt(_spec(rel))


def _manifest_unknown_key(tmp):
    from sselab.study.manifest import parse_manifest

    text = ("study: s\nsamples: [{name: a, thickness: 1 mm, diameter: 10 mm}]\nmeasurements: []\n"
            "analysis: {eis: {kramers_kronig: true, kk_threshold: 0.01}}\n")
    return parse_manifest(text, tmp / "study.yaml")


CASES = {
    # -- the generic fit rules ------------------------------------------------------------------
    "fit: non-finite value": (lambda: _gv(_fr([10.0, np.nan], [0.1, 1.0])), "failed", "non_finite"),
    "fit: stderr without end": (lambda: _gv(_fr([10.0, 1.1e27], [0.1, 2.1e55])), "failed", "diverged"),
    "fit: absurd magnitude": (lambda: _gv(_fr([10.0, 3.99e50], [0.1, 1e40])), "failed", "diverged"),
    "fit: collapsed onto 0": (lambda: _gv(_fr([9.86e-305, 50.0], [None, 0.5])), "warning", "at_lower_bound"),
    "fit: collapsed bulk the result uses": (lambda: _gv(_fr([9.86e-305, 50.0], [None, 0.5]), depends_on=["p0"]),
                                            "failed", "at_lower_bound"),
    "fit: singular parameter": (lambda: _gv(_fr([10.0, 5.0], [0.1, None])), "failed", "no_stderr"),
    "fit: undetermined": (lambda: _gv(_fr([10.0, 5.0], [0.1, 8.0])), "warning", "undetermined"),
    "fit: not converged": (lambda: _gv(_fr([10.0, 5.0], [0.1, 0.1], success=False)), "warning", "not_converged"),
    "fit: systematic residuals": (lambda: _gv(_fr([10.0, 5.0], [0.1, 0.1], residuals=np.r_[np.ones(30), -np.ones(30)])),
                                  "warning", "systematic_residuals"),
    "fit: misfit far above a stated noise": (lambda: _gv(_fr([10.0, 5.0], [0.1, 0.1]), noise=1e-5), "failed", "misfit"),
    "fit: near-total correlation": (lambda: _gv(_fr([1.0, 2.0], [0.1, 0.1], cov=0.01 * np.array([[1, 0.999999], [0.999999, 1]]))),
                                    "warning", "correlated"),
    # -- circuit fits on the real files and on simulated truth ----------------------------
    "eis: peis.mpr C_eff 4e50 F": (lambda: _fit("biologic/peis.mpr", "R0-p(R1,CPE1)-p(R2,CPE2)"), "failed", "absurd_capacitance"),
    "eis: exampleData R2 runs away": (lambda: _fit("eis/exampleData.csv", "R0-p(R1,CPE1)-p(R2,CPE2)"), "failed", "misfit"),
    "eis: exampleData rms 8.6 %": (lambda: _fit("eis/exampleData.csv", "R0-p(R1,CPE1)-CPE2"), "failed", "misfit"),
    "eis: blocking cell C_geo ~1e-17 F": (lambda: _fit("eis/exampleData.csv", "p(R_el,C_geo)-CPE_dl"), "failed",
                                          "absurd_capacitance"),
    "eis: R at 1e-305 Ohm": (lambda: _fit("biologic/peis.mpr", "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3"), "failed", "at_lower_bound"),
    "eis: LPSCl blocking cell missing element": (
        lambda: _fit("realfiles/hybriddrt__PEIS_LPSCl_IonBlocking_-25C.txt", "p(R_el,C_geo)-CPE_dl"), "failed", "misfit"),
    "eis: one arc fitted to two": (lambda: __import__("sselab.eis", fromlist=["fit_circuit"]).fit_circuit(
        _sim("R0-p(R1,CPE1)-p(R2,CPE2)", TWO_ARC), "R0-p(R1,CPE1)"), "failed", "misfit"),
    "eis: good simulated fit": (lambda: __import__("sselab.eis", fromlist=["fit_circuit"]).fit_circuit(
        _sim("R0-p(R1,CPE1)-p(R2,CPE2)", GOOD_TWO_ARC), "R0-p(R1,CPE1)-p(R2,CPE2)"), "ok", None),
    "eis: arc beyond 1 MHz": (lambda: __import__("sselab.eis", fromlist=["fit_circuit"]).fit_circuit(
        _sim("R0-p(R1,CPE1)-CPE2", {"R0": 80, "R1": 1800, "CPE1.Q": 2e-10, "CPE1.n": 0.9, "CPE2.Q": 5e-7, "CPE2.n": 0.75}),
        "R0-p(R1,CPE1)-CPE2"), "warning", "arc_outside_window"),
    "eis: batch spectrum with Z = 0": (_batch_failure, "failed", "fit_error"),
    "kk: Gamry example with 10 % residuals": (lambda: _kk(_spec("eis/exampleDataGamry.DTA")), "failed", "kk_invalid"),
    "kk: drifting resistance": (lambda: _kk(_drift_spectrum()), "failed", "kk_invalid"),
    "kk: clean 0.3 % noise": (lambda: _kk(_sim("R0-p(R1,CPE1)-p(R2,CPE2)", TWO_ARC)), "ok", None),
    "kk: stated noise far below the real one": (lambda: _kk(_sim("R0-p(R1,CPE1)-p(R2,CPE2)", TWO_ARC, noise=0.01),
                                                            noise=0.001), "failed", "kk_invalid"),
    "drt: peis.mpr 83 % residual": (lambda: _drt("biologic/peis.mpr"), "failed", "misfit"),
    # -- transport -----------------------------------------------------------------------------
    "sigma: resistance without error": (_conductivity_no_stderr, "warning", "no_stderr"),
    "sigma: from a collapsed bulk resistor": (_sigma_from_collapsed_bulk, "failed", "at_lower_bound"),
    "sigma: eBE stack, series resistor is the eBEs'": (_stack_sigma, "warning", "bulk_ambiguous"),
    "arrhenius: sigma falls with T": (lambda: _arrhenius([313.15, 343.15, 373.15], [1e-3, 5e-4, 2e-4]),
                                      "failed", "non_physical"),
    "arrhenius: two temperatures": (lambda: _arrhenius([313.15, 373.15], [1e-4, 7.6e-4]), "warning", "too_few_temperatures"),
    "arrhenius: not one line": (lambda: _arrhenius([313.15, 333.15, 353.15, 373.15], [1e-4, 1e-3, 2e-4, 3e-3]),
                                "warning", "not_linear"),
    "arrhenius: two samples pooled on request": (lambda: _pooled(True), "warning", "pooled_samples"),
    "deconvolution: a failed temperature": (_deconvolution_with_a_failed_row, "warning", "input_dropped"),
    "consistency: DC vs conductivities disagree": (lambda: _consistency(0.077), "warning", "inconsistent"),
    "consistency: t_ion 1.5": (lambda: _consistency(1.5), "failed", "out_of_range"),
    # -- DC ------------------------------------------------------------------------------------
    "dc: a CV given as a DC hold": (lambda: _dc("biologic/cv.mpr"), "refused", "not a potentiostatic hold"),
    "dc: ca.mpr without steady state": (lambda: _dc("biologic/ca.mpr"), "warning", "not_steady"),
    "dc: current that rises": (_rising_current, "failed", "out_of_range"),
    # -- cycling ----------------------------------------------------------------------------------
    "cv: stability CV asked as plating": (lambda: _cv("biologic/cv.mpr", "plating"), "failed", "implausible_ce"),
    "cv: truncated Gamry sweep": (lambda: _cv("gamry/gamry_cv.DTA"), "warning", "single_sweep"),
    "cv: sweep start is no peak": (lambda: _cv("gamry/gamry_cv.DTA"), "warning", "not_a_peak"),
    "cv: clean plating CV": (_cv_simulated, "ok", None),
    "ageing: one garbage spectrum": (_ageing_with_a_bad_spectrum, "warning", "input_dropped"),
    "ageing: geis.mpr fits 20 % off": (_ageing_geis, "refused", "fits are usable"),
    "wrong technique: a CV read as a spectrum": (lambda: _spec("biologic/cv.mpr"), "refused", ""),
}


@pytest.mark.parametrize("name", list(CASES))
def test_trap(name):
    case, status, code = CASES[name]
    if status == "refused":
        with pytest.raises(SselabError, match=code or None):
            case()
        return
    result = case()
    v = result if isinstance(result, Verdict) else verdict_of(result)
    assert v.status == status, f"{name}: {v.summary()}"
    if code:
        assert code in v.codes, f"{name}: {v.summary()}"
    d = result.to_dict() if hasattr(result, "to_dict") else result
    assert d["status"] == status


def test_trap_cv_stability_detected_and_said():
    res = _cv("biologic/cv.mpr")
    assert res.kind == "stability" and res.kind_source.startswith("detected")
    assert all(s.deposition is None and s.dissolution is None for s in res.scans)


def test_trap_per_sample_arrhenius_by_default():
    fits = _pooled(False)
    assert set(fits) == {"A", "B"}
    assert fits["A"].Ea_eV == pytest.approx(0.495, abs=0.01) and fits["B"].Ea_eV == pytest.approx(0.358, abs=0.01)


def test_trap_manifest_unknown_setting_is_rejected(tmp_path):
    with pytest.raises(SselabError, match="kk_threshold"):
        _manifest_unknown_key(tmp_path)


def test_trap_multi_spectrum_file_is_said(cli):
    rc, out, err = cli("eis", "fit", _need("biologic/geis.mpr"), "-c", "R0-p(R1,CPE1)-CPE2", "--json")
    d = json.loads(out)
    assert d["spectra_in_file"] == 61
    assert "single_spectrum_of_many" in [r["code"] for r in d["reasons"]]


def test_trap_ageing_leaks_no_numpy_warning(capfd):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        res = _ageing_with_a_bad_spectrum()
    assert res.verdict.status == "warning"
    assert "RuntimeWarning" not in capfd.readouterr().err


def test_trap_failed_fit_exits_3(cli):
    rc, out, err = cli("eis", "fit", _need("biologic/peis.mpr"), "-c", "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3")
    assert rc == 3
    assert "0 (at lower bound)" in out and "inf %" not in out


def test_trap_dc_tion_on_cv_exits_2(cli):
    rc, out, err = cli("dc", "tion", _need("biologic/cv.mpr"))
    assert rc == 2 and "not a potentiostatic hold" in err


def test_trap_partly_read_file_warns_in_the_cli_fit(cli, tmp_path):
    """A file whose header declares 56 points of which 21 are there: the fit says so in its
    verdict (as the study pipeline's eis_fit does), alone and among other files."""
    cut = _need("realfiles/impedancepy__exampleDataZPlot.z")
    rc, out, err = cli("eis", "fit", cut, "-c", "R0-p(R1,C1)", "--json")
    assert "declared_count_mismatch" in [r["code"] for r in json.loads(out)["reasons"]]
    other = _need("eis/exampleData.csv")
    rc, out, err = cli("eis", "fit", other, cut, "-c", "R0-p(R1,C1)", "--json")
    whole, partly = json.loads(out)
    assert "declared_count_mismatch" in [r["code"] for r in partly["reasons"]]
    assert "declared_count_mismatch" not in [r["code"] for r in whole["reasons"]]


@pytest.mark.parametrize("command", ["kk", "drt"])
def test_trap_partly_read_file_warns_in_kk_and_drt(cli, command):
    """The same file through `eis kk` and `eis drt`: their own verdict (the KK test passes) and the
    reading's warning; a whole file keeps its own verdict alone."""
    cut = _need("realfiles/impedancepy__exampleDataZPlot.z")
    rc, out, err = cli("eis", command, cut, "--json")
    d = json.loads(out)
    assert rc == 0 and d["status"] == "warning"
    assert "declared_count_mismatch" in [r["code"] for r in d["reasons"]]
    rc, out, err = cli("eis", command, _need("eis/exampleData.csv"), "--json")
    assert "declared_count_mismatch" not in [r["code"] for r in json.loads(out)["reasons"]]
