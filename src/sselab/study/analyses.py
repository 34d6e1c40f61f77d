"""Task executors of a study: one registered function per analysis, calling the technique packages.

Per-file kinds (:data:`sselab.study.tasks.DEFAULT_KINDS`): ``eis_fit``, ``dc_transient``,
``cycling``, ``cv``, ``xrd_refine`` (Rietveld), ``xps_profile`` (XPS depth profile).  Derived kinds, built by :mod:`sselab.study.pipeline` from earlier results
(their inputs travel in ``task.context["inputs"]``, so they are hashed into the task's key):
``deconvolution`` (eBE subtraction + Arrhenius per sample), ``dc_electronic`` (σ_el from the
I_ss–V line), ``consistency`` (t_ion from DC vs from conductivities).

Every executor returns the analysis result's ``to_dict()`` plus a small ``"curves"`` entry
(down-sampled data and model), so the report can draw figures from the store alone.
No analysis is re-implemented here.

>>> from sselab.study.tasks import registered_kinds
>>> {"eis_fit", "deconvolution"} <= set(registered_kinds())
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..exceptions import AnalysisError
from ..io import read
from ..io.readlog import recording
from ..verdict import Reason
from ..transport.geometry import SampleGeometry
from .tasks import Task, task_kind


def _geometry(ctx: dict[str, Any]) -> SampleGeometry | None:
    if ctx.get("thickness_m") and ctx.get("area_m2"):
        return SampleGeometry(float(ctx["thickness_m"]), float(ctx["area_m2"]))
    return None


def _thin(*arrays: np.ndarray, n: int = 400) -> list[list[float]]:
    """Down-sample arrays to about ``n`` points (plain lists for JSON)."""
    size = len(arrays[0])
    idx = np.unique(np.linspace(0, size - 1, min(n, size)).astype(int))
    return [np.asarray(a, float)[idx].tolist() for a in arrays]


def _one(task: Task, kind: str) -> Any:
    from .prefit import read_kept

    found = read_kept(task.files[0], kind)  # read ahead by a batched prefit (sselab.study.prefit)
    if found is None:
        found = read(task.files[0], kind)
    if not found:
        raise AnalysisError(f"{task.files[0]}: no {kind} in the file")
    return found[0]


def _bulk_sum(fit: Any, names: list[str]) -> dict[str, Any]:
    """Σ R of ``names`` with its error and the fit's verdict for them (what derived tasks use)."""
    vals = [fit[n] for n in names]
    err2 = sum((v.stderr or 0.0) ** 2 for v in vals)
    return {"names": names, "R_ohm": float(sum(v.value for v in vals)), "R_stderr_ohm": float(err2**0.5),
            **fit.verdict_for(names).to_dict()}


@task_kind("eis_fit")
def eis_fit(task: Task) -> dict[str, Any]:
    """Fit the stack's circuit; σ from the bulk element (mixed-conductor circuit: σ_ion and σ_el)."""
    from ..eis import fit_circuit
    from ..transport.mixed import fit_mixed_conductor
    from ..transport.simulate import MIXED_CONDUCTOR_CIRCUIT

    s = task.settings
    prep = _eis_prepare(task)
    geometry = _geometry(task.context)
    if s["circuit"] == MIXED_CONDUCTOR_CIRCUIT and geometry is not None:
        mixed = fit_mixed_conductor(prep.spectrum, geometry, weighting=s["weighting"])
        out: dict[str, Any] = {"mixed": mixed.to_dict()}
        out.update({k: v for k, v in out["mixed"].items() if k.startswith("sigma_")})
        return _eis_curves(task, prep, mixed.fit, out)
    return _eis_result(task, prep, fit_circuit(prep.spectrum, s["circuit"], weighting=s["weighting"]))


@dataclass(frozen=True)
class _EISInput:
    """What an eis_fit task fits and what it reports beside the fit (single and batched alike)."""

    selection: Any
    index: int
    n_spectra: int
    reasons: tuple[Reason, ...]
    extra: dict[str, Any]

    @property
    def spectrum(self) -> Any:
        return self.selection.spectrum


def _eis_prepare(task: Task) -> _EISInput:
    """The spectrum the settings pick (``spectrum_index``, point selection), the KK test and
    DRT when asked for, and the reasons they add to the fit's verdict."""
    from ..eis.mask import select_from_settings

    s = task.settings
    spectra = read(task.files[0], "spectrum")
    if not spectra:
        raise AnalysisError(f"{task.files[0]}: no spectrum in the file")
    index = s.get("spectrum_index") or 0
    if not isinstance(index, int):  # "all" is expanded into one task per spectrum by build_tasks
        raise AnalysisError(f"{task.files[0]}: spectrum_index {index!r} reached a one-spectrum task")
    every = bool(task.context.get("all_spectra"))
    if index >= len(spectra):
        raise AnalysisError(f"{task.files[0]}: has {len(spectra)} spectra, no spectrum_index {index}")
    selection = select_from_settings(spectra[index], s)  # f_min_Hz, f_max_Hz, drop_inductive, mask
    spectrum = selection.spectrum
    reasons = list(spectra[index].verdict.reasons)  # a partly read file (rows dropped) warns in the fit too
    if len(spectra) > 1 and not every:
        reasons.append(Reason("single_spectrum_of_many", f"the file holds {len(spectra)} spectra; only spectrum {index} "
                              "was analysed (analysis.eis.spectrum_index picks another)"))
    extra: dict[str, Any] = {}
    kk = None
    if s.get("kramers_kronig"):
        from ..eis.kramers_kronig import kramers_kronig

        kk = kramers_kronig(spectrum)
        if kk.verdict.failed:
            reasons.append(Reason("kk_invalid", "the spectrum fails the Kramers–Kronig test: " +
                                  kk.verdict.reasons[0].message.split(": ", 1)[-1]))
        extra["kramers_kronig"] = {k: v for k, v in kk.to_dict().items()
                                   if k not in ("frequency_Hz", "residuals_real", "residuals_imag")}
        from ..eis.validity import validity  # the model-free checks of the points fitted: KK and Z-HIT

        try:
            extra["validity"] = validity(spectrum, kk=kk)
        except AnalysisError as exc:
            extra["validity"] = {"status": "warning", "reasons": [
                {"code": "validity_not_checked", "message": str(exc).splitlines()[0], "severity": "warning"}]}
    if s.get("drt"):
        from ..eis.drt import drt

        d = drt(spectrum)
        extra["drt"] = {k: v for k, v in d.to_dict().items() if k not in ("tau_s", "gamma_ohm", "residuals",
                                                                          "gamma_lower_ohm", "gamma_upper_ohm")}
    extra["settings_applied"] = {
        "frequency_range_Hz": [float(spectrum.frequency_Hz.min()), float(spectrum.frequency_Hz.max())],
        "spectrum_index": index, "spectra_in_file": len(spectra), "all_spectra": every, "kramers_kronig": kk is not None,
        "drt": bool(s.get("drt"))}
    return _EISInput(selection, index, len(spectra), tuple(reasons), extra)


def _eis_result(task: Task, prep: _EISInput, fit: Any) -> dict[str, Any]:
    """An eis_fit result from its fitted circuit: the preparation's reasons in the fit's
    verdict, conductivity when the geometry is known, the bulk sums derived tasks use, curves."""
    return _eis_result_of(task, prep, replace(fit, extra_reasons=fit.extra_reasons + prep.reasons))


def _eis_result_of(task: Task, prep: _EISInput, fit: Any) -> dict[str, Any]:
    """:func:`_eis_result` of a fit that carries the preparation's reasons already."""
    from ..transport import conductivity_from_fit
    from ..transport.deconvolution import stack_bulk_names

    s = task.settings
    geometry = _geometry(task.context)
    out: dict[str, Any] = {}
    if geometry is not None:
        cond = conductivity_from_fit(fit, geometry, s.get("bulk_element"))
        out["conductivity"] = cond.to_dict()
        out["sigma_S_per_cm"] = cond.sigma_S_per_cm
    if s.get("bulk_element"):
        out["bulk"] = _bulk_sum(fit, [s["bulk_element"]])
        out["stack_bulk"] = _bulk_sum(fit, stack_bulk_names(s["circuit"], s["bulk_element"]))
    return _eis_curves(task, prep, fit, out)


def batchable_eis_fit(task: Task) -> bool:
    """Whether :func:`eis_fit_many` may fit ``task`` with others (not the mixed-conductor model)."""
    from ..transport.simulate import MIXED_CONDUCTOR_CIRCUIT

    return task.kind == "eis_fit" and not (
        task.settings.get("circuit") == MIXED_CONDUCTOR_CIRCUIT and _geometry(task.context) is not None)


def eis_fit_many(tasks: list[Task]) -> list[tuple[dict[str, Any] | None, str | None]]:
    """:func:`eis_fit` of many tasks (all :func:`batchable_eis_fit`), one batched fit
    (:func:`~sselab.eis.batch.fit_circuit_batch`) per circuit and weighting: per task, the
    result or the one-line error, as run one by one (the same preparation, starts, engine and
    choice of start; χ² equal to rounding where the compiled kernel fits the batch)."""
    from ..eis.batch import FitFailure, fit_circuit_batch
    from ..eis.verdicts import prepare_outputs

    out: list[tuple[dict[str, Any] | None, str | None]] = [(None, None)] * len(tasks)
    groups: dict[tuple[str, str], list[tuple[int, _EISInput]]] = {}
    for i, task in enumerate(tasks):
        try:
            with recording() as log:  # as run_task: the result says how its file was read
                prep = _eis_prepare(task)
        except Exception as exc:  # noqa: BLE001 - as run_safely: one bad file fails its task only
            out[i] = (None, f"{type(exc).__name__}: {exc}")
            continue
        prep.extra["reading"] = dict(log)
        groups.setdefault((task.settings["circuit"], task.settings["weighting"]), []).append((i, prep))
    for (circuit, weighting), members in groups.items():
        try:
            fits = fit_circuit_batch([p.spectrum for _, p in members], circuit, weighting=weighting)
        except Exception as exc:  # noqa: BLE001 - e.g. a circuit that does not parse: every member fails alike
            for i, _ in members:
                out[i] = (None, f"{type(exc).__name__}: {exc}")
            continue
        done: dict[int, Any] = {}
        for (i, prep), fit in zip(members, fits):
            if isinstance(fit, FitFailure):
                out[i] = (None, f"{fit.error_type}: {fit.error}")
                continue
            done[i] = replace(fit, extra_reasons=fit.extra_reasons + prep.reasons)
        prepare_outputs(list(done.values()))  # the fitted curves and the numbers their verdicts judge, at once
        for i, prep in members:
            if i not in done:
                continue
            try:
                out[i] = (_eis_result_of(tasks[i], prep, done[i]), None)
            except Exception as exc:  # noqa: BLE001
                out[i] = (None, f"{type(exc).__name__}: {exc}")
    return out


def _eis_curves(task: Task, prep: _EISInput, fit: Any, out: dict[str, Any]) -> dict[str, Any]:
    spectrum = prep.spectrum
    out["fit"] = fit.to_dict()
    out["mask"] = prep.selection.to_dict()
    out.update(prep.extra)
    z_fit = None
    if hasattr(fit, "predict"):  # at the fitted frequencies: the curve the fit keeps (evaluate_curves)
        same = np.array_equal(spectrum.frequency_Hz, getattr(fit, "frequency_Hz", None))
        z_fit = fit.predict() if same else fit.predict(spectrum.frequency_Hz)
    f, zr, zi = _thin(spectrum.frequency_Hz, spectrum.impedance_ohm.real, spectrum.impedance_ohm.imag)
    curves = {"frequency_Hz": f, "Z_real_ohm": zr, "Z_imag_ohm": zi}
    if z_fit is not None:
        fr, fi = _thin(np.real(z_fit), np.imag(z_fit))
        curves.update({"Z_fit_real_ohm": fr, "Z_fit_imag_ohm": fi})
    out["curves"] = curves
    out["temperature_K"] = task.context.get("temperature_K") or spectrum.temperature_K
    # the task's own verdict: the fit's (with the KK/multi-spectrum reasons it carries), the
    # conductivity's and the model-free checks' — so the report, the web and `sselab run` see it
    from ..verdict import verdict_of

    verdict = verdict_of(out["fit"])
    for key in ("conductivity", "mixed", "validity"):
        if isinstance(out.get(key), dict):
            verdict = verdict.merge(verdict_of(out[key]))
    out.update(verdict.to_dict())
    return out


@task_kind("eis_global")
def eis_global(task: Task) -> dict[str, Any]:
    """One global fit of a sample's spectra: ``global_shared`` parameters shared,
    ``global_arrhenius`` resistances tied by Arrhenius' law (the bulk's Ea from it)."""
    from ..eis.global_fit import fit_global
    from ..eis.mask import select_from_settings

    from ..transport.series import temperature_from_name

    s = task.settings
    spectra, temps = [], []
    stated = task.context.get("temperatures_K") or [None] * len(task.files)
    indices = task.context.get("spectrum_indices") or [0] * len(task.files)  # the eis_fit tasks' spectra
    cache: dict[str, list[Any]] = {}
    for path, t, k in zip(task.files, stated, indices):
        if str(path) not in cache:
            cache[str(path)] = read(path, "spectrum")
        found = cache[str(path)]
        if not found or k >= len(found):
            raise AnalysisError(f"{path}: no spectrum {k} in the file")
        spectra.append(select_from_settings(found[k], s).spectrum)
        temps.append(t or found[k].temperature_K or temperature_from_name(str(path)))
    g = fit_global(spectra, s["circuit"], shared=list(s.get("global_shared") or ()),
                   arrhenius=list(s.get("global_arrhenius") or ()),
                   temperatures_K=temps if all(temps) else None, weighting=s["weighting"])
    out = g.to_dict()
    bulk = s.get("bulk_element")
    if isinstance(bulk, str) and bulk in g.arrhenius:
        out["Ea_eV"] = g.arrhenius[bulk]["Ea_eV"]
        out["Ea_stderr_eV"] = g.arrhenius[bulk]["Ea_stderr_eV"]
    return out


@task_kind("dc_transient")
def dc_transient(task: Task) -> dict[str, Any]:
    """t_ion = (I0 − Is)/I0 of one chronoamperometry record."""
    from ..dc.steady_state import SteadyStateCriterion
    from ..dc.transference import transference

    ct = _one(task, "transient")
    crit = SteadyStateCriterion(window_fraction=task.settings["steady_fraction"])
    i0 = task.settings.get("initial_current") or "auto"
    res = transference(ct, crit, i0="extrapolated" if i0 == "extrapolate" else i0,
                       set_potential_V=task.context.get("voltage_V"))
    t, i = _thin(ct.time_s, ct.current_A)
    return {**res.to_dict(), "curves": {"time_s": t, "current_A": i}}


@task_kind("cycling")
def cycling(task: Task) -> dict[str, Any]:
    """Plating/stripping overpotentials per cycle and their growth."""
    from ..cycling import plating_stripping

    rec = _one(task, "galvanostatic")
    area = task.context.get("area_m2")
    res = plating_stripping(rec, area_cm2=None if not area else area * 1e4)
    t, v = _thin(rec.time_s, rec.voltage_V, n=3000)
    return {**res.to_dict(), "curves": {"time_s": t, "voltage_V": v}}


@task_kind("cv")
def cv(task: Task) -> dict[str, Any]:
    """Deposition/dissolution peaks and onsets of a voltammogram."""
    from ..cycling.voltammetry import voltammetry

    vg = _one(task, "voltammogram")
    res = voltammetry(vg).to_dict()
    scans = res.get("scans") or []
    peaks = [p for sc in scans for p in sc.get("peaks", [])]
    peaks += [sc[k] for sc in scans for k in ("deposition_peak", "dissolution_peak") if isinstance(sc.get(k), dict)]
    for p in peaks:
        kind = str(p.get("kind", ""))
        if p.get("potential_V") is not None and kind:
            res.setdefault(f"{kind}_peak_V", p["potential_V"])
    e, i = _thin(vg.potential_V, vg.current_A, n=1500)
    return {**res, "curves": {"potential_V": e, "current_A": i}}


@task_kind("deconvolution")
def deconvolution(task: Task) -> dict[str, Any]:
    """R_SE,ion = R_stack − n·R_eBE per temperature, σ_ion, and the Arrhenius fit of σ_ion(T).

    ``context["inputs"]``: ``{"stack": [{temperature_K, R_ohm, R_stderr_ohm}], "reference":
    [{temperature_K, R_ohm, R_stderr_ohm}]}`` (the reference at the nearest temperature is used).
    """
    from ..transport.deconvolution import EBEReference, arrhenius_of_rows, deconvolve
    from ..verdict import Verdict, from_inputs

    geometry = _geometry(task.context)
    if geometry is None:
        raise AnalysisError(f"sample {task.sample}: thickness and diameter/area are needed for σ")
    inputs = task.context["inputs"]
    refs = inputs["reference"]
    rows = []
    for st in sorted(inputs["stack"], key=lambda r: r["temperature_K"]):
        T = st["temperature_K"]
        ref = min(refs, key=lambda r: abs(r["temperature_K"] - T)) if refs else None
        if ref is None:
            raise AnalysisError(f"sample {task.sample}: no iBE|eBE|iBE reference spectrum")
        reference = EBEReference(ref["R_ohm"], ref["R_stderr_ohm"] or 0.0, None, ref["temperature_K"], "iBE|eBE|iBE fit")
        v = Verdict.from_dict(st).merge(from_inputs({"eBE reference": ref}, what="fit of the"))
        rows.append(deconvolve(st["R_ohm"], st["R_stderr_ohm"] or 0.0, geometry, reference,
                               n_layers=task.settings["ebe_layers"], temperature_K=T, inputs=v))
    out: dict[str, Any] = {"table": [r.to_dict() for r in rows]}
    arr, reasons = arrhenius_of_rows(rows, task.settings["arrhenius"])
    verdict = Verdict.of(reasons)
    if arr is not None:
        out["arrhenius"] = arr.to_dict()
        out["Ea_eV"] = arr.Ea_eV
        out["Ea_stderr_eV"] = arr.Ea_stderr_eV
        verdict = verdict.merge(arr.verdict)
    out.update(verdict.to_dict())
    usable = [r for r in rows if not r.verdict.failed] or rows
    hot = max(usable, key=lambda r: r.temperature_K)
    out.update({"sigma_ion_S_per_cm": hot.sigma_ion_S_per_cm, "sigma_ion_stderr_S_per_cm": hot.sigma_ion_stderr_S_per_cm,
                "sigma_ion_temperature_K": hot.temperature_K, "sigma_ion_status": hot.verdict.status})
    return out


@task_kind("dc_electronic")
def dc_electronic(task: Task) -> dict[str, Any]:
    """σ_el from the steady-state currents of all DC holds of a sample."""
    from ..dc.electronic import electronic_conductivity, electronic_from_points
    from ..dc.steady_state import SteadyStateCriterion

    geometry = _geometry(task.context)
    if geometry is None:
        raise AnalysisError(f"sample {task.sample}: thickness and diameter/area are needed for σ_el")
    if task.context.get("points"):  # the holds' steady states from their own dc_transient analyses
        return electronic_from_points(task.context["points"], geometry).to_dict()
    transients = [read(f, "transient")[0] for f in task.files]
    crit = SteadyStateCriterion(window_fraction=task.settings["steady_fraction"])
    volts = task.context.get("voltages_V")
    res = electronic_conductivity(transients, geometry, crit, voltages_V=volts if volts and None not in volts else None)
    return res.to_dict()


@task_kind("consistency")
def consistency(task: Task) -> dict[str, Any]:
    """t_ion from DC vs σ_ion/(σ_ion + σ_el); flags the paper-style disagreement."""
    from ..transport.consistency import check_transport

    from ..verdict import Verdict

    x = task.context["inputs"]
    rep = check_transport(inputs=Verdict.from_dict({"reasons": x.get("reasons") or []}),t_ion_dc=x.get("t_ion_dc"), t_ion_dc_stderr=x.get("t_ion_dc_stderr") or 0.0,
                          sigma_ion_S_per_cm=x.get("sigma_ion_S_per_cm"),
                          sigma_ion_stderr_S_per_cm=x.get("sigma_ion_stderr_S_per_cm") or 0.0,
                          sigma_el_S_per_cm=x.get("sigma_el_S_per_cm"),
                          sigma_el_stderr_S_per_cm=x.get("sigma_el_stderr_S_per_cm") or 0.0,
                          sigma_el_ac_S_per_cm=x.get("sigma_el_ac_S_per_cm"),
                          sigma_el_ac_stderr_S_per_cm=x.get("sigma_el_ac_stderr_S_per_cm") or 0.0)
    out = rep.to_dict()
    si, se = x.get("sigma_ion_S_per_cm"), x.get("sigma_el_S_per_cm")
    if si and se:
        out["t_ion_from_conductivities"] = si / (si + se)
        # ∂t/∂σ_ion = σ_el/(σ_ion+σ_el)², ∂t/∂σ_el = −σ_ion/(σ_ion+σ_el)²
        out["t_ion_from_conductivities_stderr"] = math.hypot(se * (x.get("sigma_ion_stderr_S_per_cm") or 0.0),
                                                             si * (x.get("sigma_el_stderr_S_per_cm") or 0.0)) / (si + se) ** 2
    out["t_ion_dc"] = x.get("t_ion_dc")
    out["t_ion_dc_stderr"] = x.get("t_ion_dc_stderr")
    return out


from . import analyses_microscopy  # noqa: E402,F401 - registers sem_image and eds_quantify
from . import analyses_structure  # noqa: E402,F401 - registers xrd_refine and xps_profile
from . import analyses_paper  # noqa: E402,F401 - registers stacks, eis_series, ageing, bruce_vincent, ccd
