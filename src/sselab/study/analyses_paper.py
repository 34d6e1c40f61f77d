"""Study tasks for the measurements around the transport pipeline (the rest of the Mg3AsN paper).

Planned by :func:`paper_tasks` from the manifest's cells and labels (stage 2 of
:mod:`sselab.study.pipeline`), each calling the function the CLI calls:

- ``stacks`` — an ion-blocking spectrum (``Au|SE|Au``, ``SS|SE|SS``; one temperature) of a
  sample, with its reversible (``Mg|SE|Mg``) one when present →
  :func:`sselab.transport.stacks.diagnose_stacks` (``sselab eis stacks``);
- ``eis_series`` — spectra of one sample and cell at ≥ 3 temperatures in a cell without eBE
  layers → :func:`sselab.transport.series.temperature_series` (``sselab eis series``);
- ``ageing`` — spectra labelled ``ageing <t> h`` → :func:`sselab.cycling.ageing.interface_ageing`
  (``sselab eis ageing``);
- ``bruce_vincent`` — a DC hold with spectra labelled ``... before`` / ``... after`` in the same
  cell → :func:`sselab.dc.bruce_vincent.bruce_vincent` (``sselab dc bruce-vincent``), I0/Is from
  the hold's ``dc_transient`` result and R0/Rss from the spectra's ``eis_fit`` results;
- ``ccd`` (per file, cycling with ``protocol: stepped``) →
  :func:`sselab.cycling.ccd.critical_current_density` (``sselab ccd``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..exceptions import AnalysisError
from ..verdict import Verdict, from_inputs
from .tasks import Task, make_task, resolved, task_kind

_BLOCKING = ("Au", "SS", "Pt", "iBE")
_AGEING = re.compile(r"ageing\s+(\d+(?:\.\d+)?)\s*h", re.I)


def _thin(*arrays: Any, n: int = 300) -> list[list[float]]:
    from .analyses import _thin as thin

    return thin(*arrays, n=n)


def _area_cm2(task: Task) -> float:
    a = task.context.get("area_m2")
    if not a:
        raise AnalysisError(f"sample {task.sample}: the electrode area is needed")
    return float(a) * 1e4


def _ends(cell: str) -> tuple[str, str]:
    parts = cell.split("|")
    return parts[0], parts[-1]


def paper_tasks(study: Any, tasks: list[Task], res: dict[str, dict]) -> list[Task]:
    """The derived tasks of the module docstring (only for measurements that are there)."""
    labels: dict[Path, str] = {}
    for m, files in zip(study.manifest.measurements, study.files):
        for f in files:
            labels[resolved(f)] = m.label or ""
    label = {t.id: labels.get(t.files[0], "") if t.files else "" for t in tasks}
    out: list[Task] = []
    ctx_keys = ("sample", "thickness_m", "area_m2", "cell", "temperature_K")
    for name in dict.fromkeys(t.sample for t in tasks):
        eis = [t for t in tasks if t.sample == name and t.technique == "eis" and t.id in res and not label[t.id]]
        by_cell: dict[str, list[Task]] = {}
        for t in eis:
            by_cell.setdefault(str(t.context.get("cell") or ""), []).append(t)
        for cell, group in by_cell.items():
            if "eBE" in cell or "|" not in cell or not (group[0].context.get("thickness_m") and group[0].context.get("area_m2")):
                continue  # (σ needs the pellet's geometry: without it, no derived task rather than a failed one)
            a, b = _ends(cell)
            temps = {round(res[t.id].get("temperature_K") or 0.0, 1) for t in group}
            if a in _BLOCKING and b in _BLOCKING and len(temps) >= 3:
                out.append(make_task(id=f"{name}/eis/series/{cell}", kind="eis_series", sample=name, technique="eis",
                                     files=[f for t in group for f in t.files], settings=group[0].settings,
                                     context={**{k: group[0].context.get(k) for k in ctx_keys},
                                              **spectrum_indices_context(group),
                                              "temperatures_K": [res[t.id].get("temperature_K") for t in group],
                                              "arrhenius": study.manifest.analysis.transport.arrhenius}))
            elif a == "Au" and b == "Au" and len(group) == 1:
                rev = next((g[0] for c, g in by_cell.items() if _ends(c) == ("Mg", "Mg") and len(g) == 1), None)
                files = list(group[0].files) + (list(rev.files) if rev else [])
                out.append(make_task(id=f"{name}/eis/stacks", kind="stacks", sample=name, technique="eis", files=files,
                                     settings={}, context={**{k: group[0].context.get(k) for k in ctx_keys},
                                                           "reversible": rev is not None}))
        ageing = [(float(_AGEING.search(label[t.id]).group(1)), t) for t in tasks  # type: ignore[union-attr]
                  if t.sample == name and t.technique == "eis" and t.id in res and _AGEING.search(label[t.id])]
        if len(ageing) >= 3:
            ageing.sort(key=lambda x: x[0])
            first = ageing[0][1]
            out.append(make_task(id=f"{name}/eis/ageing", kind="ageing", sample=name, technique="eis",
                                 files=[f for _, t in ageing for f in t.files], settings=first.settings,
                                 context={**{k: first.context.get(k) for k in ctx_keys},
                                          **spectrum_indices_context([t for _, t in ageing]),
                                          "time_h": [h for h, _ in ageing]}))
        eis_of_cell: dict[Any, list[Task]] = {}  # per cell stack, once (a sample may have 100s of holds)
        for hold in (t for t in tasks if t.sample == name and t.technique == "dc" and t.id in res):
            cell = hold.context.get("cell")
            if cell not in eis_of_cell:
                eis_of_cell[cell] = [t for t in tasks if t.sample == name and t.technique == "eis" and t.id in res
                                     and t.context.get("cell") == cell]
            near = eis_of_cell[cell]
            before = next((t for t in near if label[t.id].lower().endswith("before")), None)
            after = next((t for t in near if label[t.id].lower().endswith("after")), None)
            if before is None or after is None:
                continue
            inputs = {"hold": {k: res[hold.id].get(k) for k in ("I0_A", "I0_stderr_A", "Is_A", "Is_stderr_A",
                                                                  "set_potential_V")}}
            for key, t in (("before", before), ("after", after)):
                p = (res[t.id].get("fit") or {}).get("parameters") or {}
                el = _interface_element(t.settings["circuit"])
                inputs[key] = {"element": el, "R_ohm": (p.get(el) or {}).get("value"),
                               "R_stderr_ohm": (p.get(el) or {}).get("stderr")}
            # the hold's and the two fits' verdicts travel with the numbers (a failed input fails t+)
            inputs["reasons"] = from_inputs({"DC hold": res[hold.id], "EIS fit before": res[before.id],
                                             "EIS fit after": res[after.id]}, what="input").to_dict()["reasons"]
            out.append(make_task(id=f"{name}/dc/bruce-vincent", kind="bruce_vincent", sample=name, technique="dc",
                                 files=[*hold.files, *before.files, *after.files], settings={},
                                 context={**{k: hold.context.get(k) for k in ctx_keys}, "voltage_V": hold.context.get("voltage_V"),
                                          "inputs": inputs}))
    return out


def _interface_element(circuit: str) -> str:
    from ..cycling.ageing import default_parameter

    return default_parameter(circuit)


def spectrum_indices_context(group: list[Task]) -> dict[str, Any]:
    """The spectrum of its file each task analysed, when one of them is not the first (the
    manifest's ``spectrum_index``; ``all`` gives one task per spectrum)."""
    idx = [int(t.settings.get("spectrum_index") or 0) for t in group]
    return {"spectrum_indices": idx} if any(idx) else {}


def _spectra(task: Task) -> list[Any]:
    """The spectra of a series/ageing task: the spectrum each eis_fit task analysed, with the
    points the settings select (as ``sselab eis series --all --fmin ...`` reads them)."""
    from ..transport.series import series_spectra

    return series_spectra(task.files, task.settings or None, indices=task.context.get("spectrum_indices"))


@task_kind("stacks")
def stacks(task: Task) -> dict[str, Any]:
    """Ionic, electronic or mixed conductor from the ion-blocking (and reversible) spectrum."""
    from ..transport.stacks import diagnose_stacks

    spectra = _spectra(task)
    th = task.context.get("thickness_m")
    if not th:
        raise AnalysisError(f"sample {task.sample}: the thickness is needed")
    d = diagnose_stacks(spectra[0], thickness_cm=float(th) * 100, area_cm2=_area_cm2(task),
                        reversible=spectra[1] if len(spectra) > 1 else None).to_dict()
    curves = {}
    for key, s in zip(("blocking", "reversible"), spectra):
        re_, im = _thin(s.impedance_ohm.real, -s.impedance_ohm.imag, n=120)
        curves[key] = {"z_real_ohm": re_, "minus_z_imag_ohm": im, "source": s.source}
    return {**d, "curves": curves}


@task_kind("eis_series")
def eis_series(task: Task) -> dict[str, Any]:
    """σ per temperature of the bulk element and the Arrhenius fit (``sselab eis series``)."""
    from ..transport.geometry import SampleGeometry
    from ..transport.series import temperature_series

    g = SampleGeometry(float(task.context["thickness_m"]), float(task.context["area_m2"]))
    bulk = task.settings.get("bulk_element")
    res = temperature_series(_spectra(task), task.settings["circuit"], g, bulk if isinstance(bulk, str) else None,
                             task.context.get("temperatures_K"), task.context.get("arrhenius") or "sigma",
                             task.settings.get("weighting", "modulus"))
    out = res.to_dict()
    out["sigma_RT_S_per_cm"] = out["table"][0]["sigma_S_per_cm"]
    out["sigma_RT_stderr_S_per_cm"] = out["table"][0]["sigma_stderr_S_per_cm"]
    out["sigma_RT_temperature_K"] = out["table"][0]["temperature_K"]
    return out


@task_kind("ageing")
def ageing(task: Task) -> dict[str, Any]:
    """The interfacial resistance followed over the ageing series (``sselab eis ageing``)."""
    from ..cycling.ageing import interface_ageing

    res = interface_ageing(_spectra(task), task.settings["circuit"], time_h=task.context["time_h"],
                           weighting=task.settings.get("weighting", "modulus"))
    return res.to_dict()


@task_kind("bruce_vincent")
def bruce_vincent_task(task: Task) -> dict[str, Any]:
    """t+ from the hold's I0/Is and the interfacial resistances before/after (``sselab dc bruce-vincent``)."""
    from ..dc.bruce_vincent import bruce_vincent

    x = task.context["inputs"]
    h, b, a = x["hold"], x["before"], x["after"]
    dv = task.context.get("voltage_V") or h.get("set_potential_V")
    if dv is None or h.get("I0_A") is None or b.get("R_ohm") is None or a.get("R_ohm") is None:
        raise AnalysisError(f"sample {task.sample}: Bruce–Vincent needs ΔV, I0, Is and R before/after")
    res = bruce_vincent(float(dv), h["I0_A"], h["Is_A"], b["R_ohm"], a["R_ohm"], I0_stderr_A=h.get("I0_stderr_A"),
                        Is_stderr_A=h.get("Is_stderr_A"), R0_stderr_ohm=b.get("R_stderr_ohm"),
                        Rss_stderr_ohm=a.get("R_stderr_ohm"))
    d = res.to_dict()
    d.update(Verdict.from_dict(d).merge(Verdict.from_dict({"reasons": x.get("reasons") or []})).to_dict())
    return {**d, "interface_element": b.get("element")}


@task_kind("ccd")
def ccd(task: Task) -> dict[str, Any]:
    """Critical current density of a stepped-current plating/stripping record (``sselab ccd``)."""
    from ..cycling.ccd import critical_current_density
    from .analyses import _one

    rec = _one(task, "galvanostatic")
    res = critical_current_density(rec, area_cm2=_area_cm2(task)).to_dict()
    t, v = _thin(rec.time_s, rec.voltage_V, n=1500)
    return {**res, "curves": {"time_s": t, "voltage_V": v}}
